with

source as (

    {{ latest_completed_rows('jaffle_files', 'store_events', ['event_id']) }}

),

final as (

    select
        event_id as store_event_id,
        store_id as location_id,
        lower(trim(event_type)) as event_type,
        cast(occurred_at as {{ dbt.type_timestamp() }}) as occurred_at
    from source

)

select * from final
