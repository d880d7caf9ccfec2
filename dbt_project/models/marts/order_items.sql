{#- Incremental on dlt load ids (README "Incremental models"): an incremental run rebuilds only the lines of
    the orders that the loads claimed by its pre-hook changed, replacing all lines of each such order. -#}
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

-- the completed loads this run processes: claimed for this model by its pre-hook, not processed yet
-- (used by an incremental run only, like changed_orders)
new_loads as (

    select load_id
    from processed_loads
    where model_name = 'order_items' and processed_at is null

),

-- orders the new loads wrote (new orders, new versions of known ones), and orders holding a product whose
-- name, type, price or supply cost they changed
changed_orders as (

    select order_id
    from row_loads
    where
        table_name = 'orders'
        and load_id in (select new_loads.load_id from new_loads)

    union

    select order_items.order_id
    from order_items
    where order_items.product_id in (
        select row_loads.product_id
        from row_loads
        where
            row_loads.table_name in ('products', 'supplies')
            and row_loads.load_id in (select new_loads.load_id from new_loads)
    )

),

final as (

    select
        order_items.order_item_id,
        order_items.order_id,
        orders.location_id,
        orders.ordered_at,
        orders.order_date,
        order_items.product_id,
        order_items.product_name,
        order_items.product_type,
        order_items.product_price,
        -- computed money typed as the contract declares: on Postgres a sum has no scale, and each incremental
        -- run checks that the batch's column types are the table's (on_schema_change: fail)
        cast(order_items.supply_cost as numeric(38, 2)) as supply_cost,
        order_items.is_food_item,
        order_items.is_drink_item,
        cast(order_items.product_price - order_items.supply_cost as numeric(38, 2)) as item_margin
    from order_items
    inner join orders
        on order_items.order_id = orders.order_id
    {% if is_incremental() %}
        where order_items.order_id in (select changed_orders.order_id from changed_orders)
    {% endif %}

)

select * from final
