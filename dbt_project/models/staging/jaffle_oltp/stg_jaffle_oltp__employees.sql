with

source as (

    {{ latest_completed_rows('jaffle_oltp', 'employees', ['id']) }}

),

final as (

    select
        ---------- ids
        id as employee_id,
        store_id as location_id,

        ---------- text
        full_name as employee_name,
        lower(trim(role)) as employee_role,

        ---------- money
        {{ cents_to_dollars('hourly_rate_cents') }} as hourly_rate,

        ---------- timestamps
        cast(hired_at as {{ dbt.type_timestamp() }}) as hired_at,
        cast(updated_at as {{ dbt.type_timestamp() }}) as updated_at
    from source

)

select * from final
