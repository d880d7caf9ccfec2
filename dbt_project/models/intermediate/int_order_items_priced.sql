with

order_items as (

    select * from {{ ref('stg_jaffle_api__order_items') }}

),

products as (

    select * from {{ ref('stg_jaffle_api__products') }}

),

supplies as (

    select * from {{ ref('stg_jaffle_api__supplies') }}

),

-- a product uses each of its supplies once: its supply cost is their sum
product_supply_costs as (

    select
        product_id,
        sum(supply_cost) as supply_cost
    from supplies
    group by product_id

),

final as (

    select
        order_items.order_item_id,
        order_items.order_id,
        order_items.product_id,
        products.product_name,
        products.product_type,
        products.product_price,
        products.is_food_item,
        products.is_drink_item,
        coalesce(product_supply_costs.supply_cost, 0) as supply_cost
    from order_items
    left join products
        on order_items.product_id = products.product_id
    left join product_supply_costs
        on order_items.product_id = product_supply_costs.product_id

)

select * from final
