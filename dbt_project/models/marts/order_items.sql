{#- Incremental on dlt load ids (README "Incremental models"): an incremental run rebuilds only the lines of
    the orders that the loads claimed by its pre-hook changed, replacing all lines of each such order (on Spark,
    every order of their days: in_order_rebuild_scope). order_date comes last: Spark keeps its partition column
    last, and the contract's column order is the same on every engine. -#}
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

{{ orders_changed_by_new_loads('order_items') }},

final as (

    select
        order_items.order_item_id,
        order_items.order_id,
        orders.location_id,
        orders.ordered_at,
        order_items.product_id,
        order_items.product_name,
        order_items.product_type,
        order_items.product_price,
        -- computed money typed as the contract declares: on Postgres a sum has no scale, and each incremental
        -- run checks that the batch's column types are the table's (on_schema_change: fail)
        cast(order_items.supply_cost as numeric(38, 2)) as supply_cost,
        order_items.is_food_item,
        order_items.is_drink_item,
        cast(order_items.product_price - order_items.supply_cost as numeric(38, 2)) as item_margin,
        orders.order_date
    from order_items
    inner join orders
        on order_items.order_id = orders.order_id
    {% if is_incremental() %}
        where {{ in_order_rebuild_scope('order_items.order_id', 'orders.order_date') }}
    {% endif %}

)

select * from final
