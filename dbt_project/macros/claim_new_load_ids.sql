{#- Pre-hook of an incremental model: claim the completed loads it has not processed yet in the ledger
    (int_loads_processed), as rows without `processed_at`. The model's SQL reads exactly these claims, so a
    load completing while the model runs is left for the next run. A full build (first run, --full-refresh)
    forgets the model's ledger rows and claims every load. `row_loads` names the model that lists the loads
    (stg_jaffle_api__row_loads): only loads that wrote a current row version are claimed. -#}
{% macro claim_new_load_ids(row_loads) -%}
    {{ return(adapter.dispatch('claim_new_load_ids')(row_loads)) }}
{%- endmacro %}

{% macro default__claim_new_load_ids(row_loads) -%}
    {%- set ledger = ref('int_loads_processed') -%}
    delete from {{ ledger }}
    where
        model_name = '{{ this.identifier }}'
        {%- if is_incremental() %}
            and processed_at is null
        {%- endif %};

    insert into {{ ledger }} (model_name, load_id, dbt_invocation, processed_at)
    select distinct
        '{{ this.identifier }}' as model_name,
        row_loads.load_id,
        '{{ invocation_id }}' as dbt_invocation,
        cast(null as {{ dbt.type_timestamp() }}) as processed_at
    from {{ ref(row_loads) }} as row_loads
    where row_loads.load_id not in (
        select processed.load_id from {{ ledger }} as processed
        where processed.model_name = '{{ this.identifier }}'
    )
{%- endmacro %}

{#- Spark (Parquet tables, no row-level delete or update): the order-grain models are rebuilt whole on every run
    (materialized as tables, see dbt_project.yml), so there is nothing to claim, delete or stamp. An empty hook
    is skipped by dbt. -#}
{% macro spark__claim_new_load_ids(row_loads) -%}
{%- endmacro %}
