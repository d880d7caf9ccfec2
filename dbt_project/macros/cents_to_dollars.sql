{#- The one place warehouse differences in money arithmetic live. Integer cents to an exact decimal.
    Dividing by 100.0 (not 100) avoids Postgres' integer division; DuckDB divides in double, and the
    cast back rounds to the exact cent. Add `<adapter>__cents_to_dollars` only when a warehouse needs it. -#}
{% macro cents_to_dollars(column_name, scale=2) -%}
    {{ return(adapter.dispatch('cents_to_dollars')(column_name, scale)) }}
{%- endmacro %}

{% macro default__cents_to_dollars(column_name, scale) -%}
    cast({{ column_name }} / 100.0 as numeric(16, {{ scale }}))
{%- endmacro %}
