{#- Last post-hook of an incremental model: stamp the loads it claimed (claim_new_load_ids) as processed, in the
    same transaction as the rows it wrote. -#}
{% macro mark_load_ids_processed() -%}
    update {{ ref('int_loads_processed') }}
    set processed_at = {{ utc_now() }}
    where model_name = '{{ this.identifier }}' and processed_at is null
{%- endmacro %}
