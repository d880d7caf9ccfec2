with

items as (

    select * from {{ source('jaffle_api', 'orders__items') }}

),

-- the same parent rows stg_jaffle_api__orders keeps: the latest completed version of each order
admitted_orders as (

    {{ latest_completed_rows('jaffle_api', 'orders', ['id']) }}

),

admitted_items as (

    select items.*
    from items
    inner join admitted_orders
        on items._dlt_parent_id = admitted_orders._dlt_id

),

final as (

    select
        id as order_item_id,
        order_id,
        sku as product_id
    from admitted_items

)

select * from final
