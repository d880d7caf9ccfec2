with

source as (

    select * from {{ source('jaffle_files', 'supplier_prices') }}
    where _dlt_load_id in ({{ completed_load_ids('jaffle_files') }})

),

versioned as (

    select
        *,
        row_number() over (
            partition by supply_id, sku, supplier, valid_from
            order by _dlt_load_id desc, _dlt_id asc
        ) as version_rank
    from source

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
    from versioned
    where version_rank = 1

)

select * from final
