with

source as (

    {{ latest_completed_rows('jaffle_files', 'loyalty_events', ['event_id']) }}

),

final as (

    select
        ---------- ids
        event_id as loyalty_event_id,
        customer_id,
        store_id as location_id,

        ---------- text
        lower(trim(event_type)) as loyalty_event_type,

        ---------- numerics
        points,

        ---------- timestamps
        cast(occurred_at as {{ dbt.type_timestamp() }}) as occurred_at
    from source

)

select * from final
