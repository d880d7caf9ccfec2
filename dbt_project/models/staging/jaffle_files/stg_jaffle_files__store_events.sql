with

source as (

    select * from {{ source('jaffle_files', 'store_events') }}
    where _dlt_load_id in ({{ completed_load_ids('jaffle_files') }})

),

versioned as (

    select
        *,
        row_number() over (
            partition by event_id
            order by _dlt_load_id desc, _dlt_id asc
        ) as version_rank
    from source

),

final as (

    select
        event_id as store_event_id,
        store_id as location_id,
        lower(trim(event_type)) as event_type,
        cast(occurred_at as {{ dbt.type_timestamp() }}) as occurred_at
    from versioned
    where version_rank = 1

)

select * from final
