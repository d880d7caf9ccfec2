with

source as (

    {{ latest_completed_rows('jaffle_oltp', 'shifts', ['id']) }}

),

final as (

    select
        ---------- ids
        id as shift_id,
        employee_id,
        store_id as location_id,

        ---------- timestamps
        cast(starts_at as {{ dbt.type_timestamp() }}) as starts_at,
        cast(ends_at as {{ dbt.type_timestamp() }}) as ends_at,
        cast(updated_at as {{ dbt.type_timestamp() }}) as updated_at
    from source

)

select * from final
