with

orders as (

    select * from {{ ref('orders') }}

),

final as (

    -- money typed as the contract declares (Spark widens a sum's decimal to fewer digits); the published
    -- column order stays, though sqlfluff takes the cast aggregates for simple targets
    select  -- noqa: ST06
        location_id,
        order_date,
        count(*) as count_orders,
        cast(sum(order_total) as numeric(38, 2)) as revenue,
        cast(sum(subtotal) as numeric(38, 2)) as subtotal,
        cast(sum(tax_paid) as numeric(38, 2)) as tax_paid
    from orders
    group by location_id, order_date

)

select * from final
