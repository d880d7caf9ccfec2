with

source as (

    {{ latest_completed_rows('jaffle_files', 'supplier_prices', ['supply_id', 'sku', 'supplier', 'valid_from']) }}

),

final as (

    select
        ---------- ids
        {{ generate_surrogate_key(['supply_id', 'sku', 'supplier', 'valid_from']) }} as supplier_price_id,
        supply_id,
        sku as product_id,

        ---------- text
        supplier as supplier_name,

        ---------- money
        {{ cents_to_dollars('cost_cents') }} as supplier_cost,

        ---------- dates
        cast(valid_from as date) as valid_from
    from source

)

select * from final
