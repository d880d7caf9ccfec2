{#- Two CTEs shared by the order-grain incremental models: `new_loads`, the completed loads claimed for
    `model_name` by its pre-hook and not processed yet, and `changed_orders`, the orders those loads wrote (new
    orders, new versions of known ones) plus the orders holding a product whose name, type, price or supply
    cost they changed. Expects import CTEs named `order_items`, `row_loads` and `processed_loads`; only an
    incremental run uses them. -#}
{% macro orders_changed_by_new_loads(model_name) -%}
new_loads as (

    select load_id
    from processed_loads
    where model_name = '{{ model_name }}' and processed_at is null

),

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

)
{%- endmacro %}
