with

source as (

    {{ latest_completed_rows('jaffle_api', 'stores', ['id']) }}

),

final as (

    select
        ---------- ids
        id as location_id,

        ---------- text
        name as location_name,

        ---------- numerics
        tax_rate,

        ---------- timestamps
        cast(opened_at as {{ dbt.type_timestamp() }}) as opened_at,
        cast({{ dbt.date_trunc('day', 'opened_at') }} as date) as opened_date
    from source

)

select * from final
