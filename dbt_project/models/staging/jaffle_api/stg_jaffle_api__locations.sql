with

source as (

    select * from {{ source('jaffle_api', 'stores') }}
    where _dlt_load_id in ({{ completed_load_ids('jaffle_api') }})

),

versioned as (

    select
        *,
        row_number() over (
            partition by id
            order by _dlt_load_id desc, _dlt_id asc
        ) as version_rank
    from source

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
    from versioned
    where version_rank = 1

)

select * from final
