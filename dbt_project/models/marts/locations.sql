with

locations as (

    select * from {{ ref('stg_jaffle_api__locations') }}

),

store_events as (

    select * from {{ ref('stg_jaffle_files__store_events') }}

),

location_event_counts as (

    select
        location_id,
        count(*) as count_store_events,
        count(case when event_type = 'visit' then 1 end) as count_visit_events,
        count(case when event_type = 'purchase' then 1 end) as count_purchase_events,
        count(case when event_type = 'complaint' then 1 end) as count_complaint_events
    from store_events
    group by location_id

),

final as (

    select
        locations.location_id,
        locations.location_name,
        locations.tax_rate,
        locations.opened_at,
        locations.opened_date,
        coalesce(location_event_counts.count_store_events, 0) as count_store_events,
        coalesce(location_event_counts.count_visit_events, 0) as count_visit_events,
        coalesce(location_event_counts.count_purchase_events, 0) as count_purchase_events,
        coalesce(location_event_counts.count_complaint_events, 0) as count_complaint_events
    from locations
    left join location_event_counts
        on locations.location_id = location_event_counts.location_id

)

select * from final
