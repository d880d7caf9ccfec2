with

source as (

    {{ latest_completed_rows('jaffle_oltp', 'inventory_levels', ['store_id', 'sku']) }}

),

final as (

    select
        ---------- ids
        {{ generate_surrogate_key(['store_id', 'sku']) }} as inventory_level_id,
        store_id as location_id,
        sku as product_id,

        ---------- numerics
        on_hand as units_on_hand,
        reorder_point as reorder_point_units,

        ---------- timestamps
        cast(updated_at as {{ dbt.type_timestamp() }}) as updated_at
    from source

)

select * from final
