{#- Post-hook of an incremental order-grain model: remove the rows its batch could not replace.
    delete+insert (default): an order that a new load re-sent without lines gets no row in the batch, so
    delete+insert would keep its old rows. Delete the rows of every order written by a claimed load that has no
    line in `lines` (a ref name) any more.
    A set difference, not a correlated `not exists`: on fresh tables Postgres estimated one claimed order
    and ran the anti-join as a nested loop over the whole `lines` view per order (over 10 minutes at 62k
    orders); `except` is computed once, by hashing or sorting, on either engine. -#}
{% macro remove_stale_order_rows(lines) -%}
    {{ return(adapter.dispatch('remove_stale_order_rows')(lines)) }}
{%- endmacro %}

{% macro default__remove_stale_order_rows(lines) -%}
    delete from {{ this }}
    where order_id in (
        {{ orders_of_claimed_loads() }}
        except
        select order_lines.order_id
        from {{ ref(lines) }} as order_lines
    )
{%- endmacro %}

{#- Spark (insert_overwrite of order_date partitions, in_order_rebuild_scope): a day is overwritten only when the
    batch has rows for it. A day that held a changed order and has no current order with lines any more (the
    order was re-sent without lines, or moved to another day) keeps its old rows: drop those days. Every row of
    such a day is stale, since each order of the day was in the batch's scope. -#}
{% macro spark__remove_stale_order_rows(lines) -%}
    {%- if execute and is_incremental() -%}
        {%- set stale_days_sql -%}
            select distinct stale.order_date
            from {{ this }} as stale
            where
                stale.order_id in ({{ orders_of_claimed_loads() }})
                and (stale.order_id, stale.order_date) not in (
                    select orders.order_id, orders.order_date
                    from {{ ref('stg_jaffle_api__orders') }} as orders
                    where orders.order_id in (select order_lines.order_id from {{ ref(lines) }} as order_lines)
                )
            order by stale.order_date
        {%- endset -%}
        {%- set stale_days = run_query(stale_days_sql).columns[0].values() -%}
        {%- if stale_days | length > 0 -%}
            alter table {{ this }} drop if exists
            {%- for day in stale_days %}
                partition (order_date = date '{{ day.strftime('%Y-%m-%d') }}'){{ "," if not loop.last }}
            {%- endfor %}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{#- The orders written by the loads this model claimed and has not stamped processed yet. -#}
{% macro orders_of_claimed_loads() -%}
    select row_loads.order_id
    from {{ ref('stg_jaffle_api__row_loads') }} as row_loads
    where
        row_loads.table_name = 'orders'
        and row_loads.load_id in (
            select claimed.load_id from {{ ref('int_loads_processed') }} as claimed
            where claimed.model_name = '{{ this.identifier }}' and claimed.processed_at is null
        )
{%- endmacro %}
