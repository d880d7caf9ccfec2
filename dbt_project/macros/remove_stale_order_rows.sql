{#- Post-hook of an incremental model keyed on order_id (delete+insert): an order that a new load re-sent
    without lines gets no row in the batch, so delete+insert would keep its old rows. Delete the rows of
    every order written by a claimed load that has no line in `lines` (a ref name) any more.
    A set difference, not a correlated `not exists`: on fresh tables Postgres estimated one claimed order
    and ran the anti-join as a nested loop over the whole `lines` view per order (over 10 minutes at 62k
    orders); `except` is computed once, by hashing or sorting, on either engine. -#}
{% macro delete_orders_without_lines(lines) -%}
    {{ return(adapter.dispatch('delete_orders_without_lines')(lines)) }}
{%- endmacro %}

{% macro default__delete_orders_without_lines(lines) -%}
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
        except
        select order_lines.order_id
        from {{ ref(lines) }} as order_lines
    )
{%- endmacro %}

{#- Spark (Parquet tables, no row-level delete or update): the order-grain models are rebuilt whole on every run
    (materialized as tables, see dbt_project.yml), so there is nothing to claim, delete or stamp. An empty hook
    is skipped by dbt. -#}
{% macro spark__delete_orders_without_lines(lines) -%}
{%- endmacro %}
