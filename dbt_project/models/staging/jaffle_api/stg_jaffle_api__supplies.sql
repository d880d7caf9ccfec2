with

source as (

    {{ latest_completed_rows('jaffle_api', 'supplies', ['id', 'sku']) }}

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
    from source

)

select * from final
