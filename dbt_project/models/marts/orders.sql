with

orders as (

    select * from {{ ref('stg_jaffle_api__orders') }}

),

order_summaries as (

    select * from {{ ref('int_orders_summarised') }}

),

-- an order without items still appears, with zero items and cost
orders_with_items as (

    select
        orders.order_id,
        orders.location_id,
        orders.customer_id,
        orders.ordered_at,
        orders.order_date,
        orders.subtotal,
        orders.tax_paid,
        orders.order_total,
        -- money and counts typed as the contract declares (Spark widens a sum's decimal differently)
        cast(coalesce(order_summaries.order_cost, 0) as numeric(38, 2)) as order_cost,
        coalesce(order_summaries.count_order_items, 0) as count_order_items,
        coalesce(order_summaries.count_food_items, 0) as count_food_items,
        coalesce(order_summaries.count_drink_items, 0) as count_drink_items
    from orders
    left join order_summaries
        on orders.order_id = order_summaries.order_id

),

final as (

    -- the published column order stays; sqlfluff takes the cast window function for a simple target
    select  -- noqa: ST06
        *,
        subtotal - order_cost as order_margin,
        count_food_items > 0 as is_food_order,
        count_drink_items > 0 as is_drink_order,
        cast(row_number() over (
            partition by customer_id
            order by ordered_at asc, order_id asc
        ) as bigint) as customer_order_number
    from orders_with_items

)

select * from final
