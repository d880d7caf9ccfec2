with

source as (

    select * from {{ source('jaffle_api', 'supplies') }}
    where _dlt_load_id in ({{ completed_load_ids('jaffle_api') }})

),

versioned as (

    select
        *,
        row_number() over (
            partition by id, sku
            order by _dlt_load_id desc, _dlt_id asc
        ) as version_rank
    from source

),

final as (

    select
        ---------- ids
        {{ generate_surrogate_key(['id', 'sku']) }} as supply_uuid,
        id as supply_id,
        sku as product_id,

        ---------- text
        name as supply_name,

        ---------- money
        {{ cents_to_dollars('cost') }} as supply_cost,

        ---------- booleans
        perishable as is_perishable_supply
    from versioned
    where version_rank = 1

)

select * from final
