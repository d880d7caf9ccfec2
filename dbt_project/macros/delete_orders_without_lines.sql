{#- Post-hook of an incremental model keyed on order_id (delete+insert): an order that a new load re-sent
    without lines gets no row in the batch, so delete+insert would keep its old rows. Delete the rows of
    every order written by a claimed load that has no line in `lines` (a ref name) any more. -#}
{% macro delete_orders_without_lines(lines) -%}
    delete from {{ this }}
    where order_id in (
        select row_loads.order_id
        from {{ ref('stg_jaffle_api__row_loads') }} as row_loads
        where
            row_loads.table_name = 'orders'
            and row_loads.load_id in (
                select claimed.load_id from {{ ref('int_loads_processed') }} as claimed
                where claimed.model_name = '{{ this.identifier }}' and claimed.processed_at is null
            )
            and not exists (
                select 1 from {{ ref(lines) }} as order_lines
                where order_lines.order_id = row_loads.order_id
            )
    )
{%- endmacro %}
