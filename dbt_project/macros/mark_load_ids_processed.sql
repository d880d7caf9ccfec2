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

{#- Spark (no update; the ledger is partitioned by model_name): the model's partition is rewritten with its claims
    stamped. Without a transaction, a failure between the model's insert and this hook leaves the claims open:
    the next run claims those loads again and rebuilds their days once more, which gives the same rows. -#}
{% macro spark__mark_load_ids_processed() -%}
    {%- if execute -%}
        {%- do run_query("set spark.sql.sources.partitionOverwriteMode = DYNAMIC") -%}
    {%- endif -%}
    insert overwrite table {{ ref('int_loads_processed') }} partition (model_name)
    select load_id, dbt_invocation, coalesce(processed_at, {{ utc_now() }}) as processed_at, model_name
    from {{ ref('int_loads_processed') }}
    where model_name = '{{ this.identifier }}'
{%- endmacro %}
