with

locations as (

    select * from {{ ref('stg_jaffle_api__locations') }}

),

store_events as (

    {%- if source_selected('jaffle_files') %}
        select * from {{ ref('stg_jaffle_files__store_events') }}
    {%- else %}
        {{ no_rows({'location_id': dbt.type_string(), 'event_type': dbt.type_string()}) }}
    {%- endif %}

),

employees as (

    {%- if source_selected('jaffle_oltp') %}
        select * from {{ ref('stg_jaffle_oltp__employees') }}
    {%- else %}
        {{ no_rows({'location_id': dbt.type_string()}) }}
    {%- endif %}

),

inventory_levels as (

    {%- if source_selected('jaffle_oltp') %}
        select * from {{ ref('stg_jaffle_oltp__inventory_levels') }}
    {%- else %}
        {{ no_rows({
            'location_id': dbt.type_string(), 'units_on_hand': dbt.type_bigint(), 'reorder_point_units': dbt.type_bigint()
        }) }}
    {%- endif %}

),

location_staff as (

    select
        location_id,
        count(*) as count_employees
    from employees
    group by location_id

),

location_stock as (

    select
        location_id,
        count(*) as count_stocked_products,
        count(case when units_on_hand <= reorder_point_units then 1 end) as count_products_to_reorder
    from inventory_levels
    group by location_id

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
        coalesce(location_event_counts.count_complaint_events, 0) as count_complaint_events,
        coalesce(location_staff.count_employees, 0) as count_employees,
        coalesce(location_stock.count_stocked_products, 0) as count_stocked_products,
        coalesce(location_stock.count_products_to_reorder, 0) as count_products_to_reorder
    from locations
    left join location_event_counts
        on locations.location_id = location_event_counts.location_id
    left join location_staff
        on locations.location_id = location_staff.location_id
    left join location_stock
        on locations.location_id = location_stock.location_id

)

select * from final
