{#- The current time in UTC as a timestamp without time zone, the same type on DuckDB and Postgres (whatever
    the session's time zone), like every other timestamp in the warehouse. -#}
{% macro utc_now() -%}
    {{ return(adapter.dispatch('utc_now')()) }}
{%- endmacro %}

{% macro default__utc_now() -%}
    cast(current_timestamp at time zone 'UTC' as {{ dbt.type_timestamp() }})
{%- endmacro %}

{#- Spark's timestamp is the session's local time: converted from the session's zone to UTC. -#}
{% macro spark__utc_now() -%}
    cast(to_utc_timestamp(current_timestamp(), current_timezone()) as {{ dbt.type_timestamp() }})
{%- endmacro %}

{#- Snapshots stamp dbt_valid_from, dbt_valid_to and dbt_updated_at with snapshot_get_time(); dbt's own
    implementations return the session's local time. This root-project implementation takes precedence for
    every adapter (dispatch searches the root project first), so snapshot times are naive UTC everywhere. -#}
{% macro default__snapshot_get_time() -%}
    {{ utc_now() }}
{%- endmacro %}
