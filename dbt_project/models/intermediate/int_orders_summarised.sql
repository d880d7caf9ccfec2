with

order_items as (

    select * from {{ ref('int_order_items_priced') }}

),

final as (

    select
        order_id,
        count(*) as count_order_items,
        count(case when is_food_item then 1 end) as count_food_items,
        count(case when is_drink_item then 1 end) as count_drink_items,
        sum(supply_cost) as order_cost
    from order_items
    group by order_id

)

select * from final
