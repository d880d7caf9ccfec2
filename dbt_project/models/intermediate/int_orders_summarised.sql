{#- Incremental on dlt load ids (README "Incremental models"): an incremental run summarises again only the
    orders that the loads claimed by its pre-hook changed; the ledger is int_loads_processed. -#}
with

order_items as (

    select * from {{ ref('int_order_items_priced') }}

),

row_loads as (

    select * from {{ ref('stg_jaffle_api__row_loads') }}

),

processed_loads as (

    select * from {{ ref('int_loads_processed') }}

),

{{ orders_changed_by_new_loads('int_orders_summarised') }},

final as (

    select
        order_id,
        count(*) as count_order_items,
        count(case when is_food_item then 1 end) as count_food_items,
        count(case when is_drink_item then 1 end) as count_drink_items,
        sum(supply_cost) as order_cost
    from order_items
    {% if is_incremental() %}
        where order_id in (select changed_orders.order_id from changed_orders)
    {% endif %}
    group by order_id

)

select * from final
