with

items as (

    select * from {{ source('jaffle_api', 'orders__items') }}

),

completed_orders as (

    select
        id,
        _dlt_id,
        _dlt_load_id
    from {{ source('jaffle_api', 'orders') }}
    where _dlt_load_id in ({{ completed_load_ids('jaffle_api') }})

),

-- the same parent rows stg_jaffle_api__orders keeps: latest completed version of each order
admitted_orders as (

    select
        _dlt_id,
        row_number() over (
            partition by id
            order by _dlt_load_id desc, _dlt_id asc
        ) as version_rank
    from completed_orders

),

admitted_items as (

    select items.*
    from items
    inner join admitted_orders
        on items._dlt_parent_id = admitted_orders._dlt_id
    where admitted_orders.version_rank = 1

),

final as (

    select
        id as order_item_id,
        order_id,
        sku as product_id
    from admitted_items

)

select * from final
