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

-- the completed loads this run processes: claimed for this model by its pre-hook, not processed yet
-- (used by an incremental run only, like changed_orders)
new_loads as (

    select load_id
    from processed_loads
    where model_name = 'int_orders_summarised' and processed_at is null

),

-- orders the new loads wrote (new orders, new versions of known ones), and orders holding a product whose
-- type or supply cost they changed
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
