with

supplies as (

    select * from {{ ref('stg_jaffle_api__supplies') }}

),

supplier_prices as (

    {%- if source_selected('jaffle_files') %}
        select * from {{ ref('stg_jaffle_files__supplier_prices') }}
    {%- else %}
        {{ no_rows({
            'supply_id': dbt.type_string(), 'product_id': dbt.type_string(), 'supplier_name': dbt.type_string(),
            'supplier_cost': 'decimal(16, 2)', 'valid_from': 'date'
        }) }}
    {%- endif %}

),

-- latest price list entry per supply and product; ties go to the cheaper, then the first supplier by name
ranked_prices as (

    select
        supply_id,
        product_id,
        supplier_name,
        supplier_cost,
        valid_from,
        row_number() over (
            partition by supply_id, product_id
            order by valid_from desc, supplier_cost asc, supplier_name asc
        ) as price_rank
    from supplier_prices

),

latest_prices as (

    select * from ranked_prices
    where price_rank = 1

),

final as (

    select
        supplies.supply_uuid,
        supplies.supply_id,
        supplies.product_id,
        supplies.supply_name,
        supplies.supply_cost,
        supplies.is_perishable_supply,
        latest_prices.supplier_name as latest_supplier_name,
        latest_prices.supplier_cost as latest_supplier_cost,
        latest_prices.valid_from as latest_price_valid_from
    from supplies
    left join latest_prices
        on
            supplies.supply_id = latest_prices.supply_id
            and supplies.product_id = latest_prices.product_id

)

select * from final
