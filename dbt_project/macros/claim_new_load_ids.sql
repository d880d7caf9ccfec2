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
    {{ claims_of_new_loads(row_loads, every_load=false) }}
{%- endmacro %}

{#- Spark (Parquet tables: no delete or update; the ledger is partitioned by model_name): the model's partition is
    rewritten in one statement with its processed rows (none on a full build) and the new claims.
    Dynamic partition overwrite replaces only this model's partition; in the static mode it would empty the
    whole ledger, so the mode is set here, not left to the materialization. -#}
{% macro spark__claim_new_load_ids(row_loads) -%}
    {%- set ledger = ref('int_loads_processed') -%}
    {%- if execute -%}
        {%- do run_query("set spark.sql.sources.partitionOverwriteMode = DYNAMIC") -%}
    {%- endif -%}
    insert overwrite table {{ ledger }} partition (model_name)
    select load_id, dbt_invocation, processed_at, model_name
    from (
        {%- if is_incremental() %}
        select processed.model_name, processed.load_id, processed.dbt_invocation, processed.processed_at
        from {{ ledger }} as processed
        where processed.model_name = '{{ this.identifier }}' and processed.processed_at is not null

        union all
        {%- endif %}

        {{ claims_of_new_loads(row_loads, every_load=not is_incremental()) }}
    ) as claims
{%- endmacro %}

{#- The claim rows: one per load in `row_loads` this model has not processed (every load when `every_load`). -#}
{% macro claims_of_new_loads(row_loads, every_load) -%}
    select distinct
        '{{ this.identifier }}' as model_name,
        row_loads.load_id,
        '{{ invocation_id }}' as dbt_invocation,
        cast(null as {{ dbt.type_timestamp() }}) as processed_at
    from {{ ref(row_loads) }} as row_loads
    {%- if not every_load %}
    where row_loads.load_id not in (
        select processed.load_id from {{ ref('int_loads_processed') }} as processed
        where processed.model_name = '{{ this.identifier }}' and processed.processed_at is not null
    )
    {%- endif %}
{%- endmacro %}
