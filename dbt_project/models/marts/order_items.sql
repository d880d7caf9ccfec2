with

order_items as (

    select * from {{ ref('int_order_items_priced') }}

),

orders as (

    select * from {{ ref('stg_jaffle_api__orders') }}

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
        order_items.supply_cost,
        order_items.is_food_item,
        order_items.is_drink_item,
        order_items.product_price - order_items.supply_cost as item_margin
    from order_items
    inner join orders
        on order_items.order_id = orders.order_id

)

select * from final
