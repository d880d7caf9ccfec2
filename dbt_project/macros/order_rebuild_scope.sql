{#- The rows an incremental run of an order-grain model rebuilds, as a filter on its final select:
    `order_id` and `order_date` name the columns. Expects the CTEs `changed_orders`
    (orders_changed_by_new_loads) and `orders` (stg_jaffle_api__orders). -#}
{% macro in_order_rebuild_scope(order_id, order_date) -%}
    {{ return(adapter.dispatch('in_order_rebuild_scope')(order_id, order_date)) }}
{%- endmacro %}

{#- delete+insert on order_id: exactly the changed orders. -#}
{% macro default__in_order_rebuild_scope(order_id, order_date) -%}
    {{ order_id }} in (select changed_orders.order_id from changed_orders)
{%- endmacro %}

{#- Spark (insert_overwrite of order_date partitions): every order of each day a changed order is on now or was on
    in the table, since overwriting a day replaces all of its rows. A day left with no rows at all is not
    overwritten; the post-hook remove_stale_order_rows drops it. -#}
{% macro spark__in_order_rebuild_scope(order_id, order_date) -%}
    {{ order_date }} in (
        select orders.order_date
        from orders
        where orders.order_id in (select changed_orders.order_id from changed_orders)
        union
        select rebuilt.order_date
        from {{ this }} as rebuilt
        where rebuilt.order_id in (select changed_orders.order_id from changed_orders)
    )
{%- endmacro %}
