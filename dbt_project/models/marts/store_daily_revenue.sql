with

orders as (

    select * from {{ ref('orders') }}

),

final as (

    select
        location_id,
        order_date,
        count(*) as count_orders,
        sum(order_total) as revenue,
        sum(subtotal) as subtotal,
        sum(tax_paid) as tax_paid
    from orders
    group by location_id, order_date

)

select * from final
