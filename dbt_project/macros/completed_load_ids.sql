{#- The load ids of a dlt dataset whose loads completed (status 0 in its _dlt_loads table).
    Every staging model on a root table filters on it (through latest_completed_rows), so rows of a load that failed or is still running never go downstream. -#}
{% macro completed_load_ids(source_name) -%}
    select load_id from {{ source(source_name, '_dlt_loads') }} where status = 0
{%- endmacro %}
