{#- Last post-hook of an incremental model: stamp the loads it claimed (claim_new_load_ids) as processed, in the
    same transaction as the rows it wrote. -#}
{% macro mark_load_ids_processed() -%}
    {{ return(adapter.dispatch('mark_load_ids_processed')()) }}
{%- endmacro %}

{% macro default__mark_load_ids_processed() -%}
    update {{ ref('int_loads_processed') }}
    set processed_at = {{ utc_now() }}
    where model_name = '{{ this.identifier }}' and processed_at is null
{%- endmacro %}

{#- Spark (Parquet tables, no row-level delete or update): the order-grain models are rebuilt whole on every run
    (materialized as tables, see dbt_project.yml), so there is nothing to claim, delete or stamp. An empty hook
    is skipped by dbt. -#}
{% macro spark__mark_load_ids_processed() -%}
{%- endmacro %}
