{#- Incremental on dlt load ids (README "Incremental models"): an incremental run summarises again only the
    orders that the loads claimed by its pre-hook changed (on Spark, every order of their days:
    in_order_rebuild_scope); the ledger is int_loads_processed. The order's day is kept for Spark's
    partitions (Spark stores it last). -#}
with

order_items as (

    select * from {{ ref('int_order_items_priced') }}

),

orders as (

    select * from {{ ref('stg_jaffle_api__orders') }}

),

row_loads as (

    select * from {{ ref('stg_jaffle_api__row_loads') }}

),

processed_loads as (

    select * from {{ ref('int_loads_processed') }}

),

{{ orders_changed_by_new_loads('int_orders_summarised') }},

final as (

    select
        order_items.order_id,
        orders.order_date,
        count(*) as count_order_items,
        count(case when order_items.is_food_item then 1 end) as count_food_items,
        count(case when order_items.is_drink_item then 1 end) as count_drink_items,
        sum(order_items.supply_cost) as order_cost
    from order_items
    inner join orders
        on order_items.order_id = orders.order_id
    {% if is_incremental() %}
        where {{ in_order_rebuild_scope('order_items.order_id', 'orders.order_date') }}
    {% endif %}
    group by order_items.order_id, orders.order_date

)

select * from final
