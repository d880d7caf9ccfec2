{#- The processed-load ledger of the incremental models. This model only creates the table, empty; its rows are
    written by the incremental models' hooks: claim_new_load_ids (pre-hook) and mark_load_ids_processed
    (post-hook). Incremental, so a normal run keeps every row; --full-refresh empties it (each model then
    reprocesses every load). -#}
with

final as (

    select
        cast(null as {{ dbt.type_string() }}) as model_name,
        cast(null as {{ dbt.type_string() }}) as load_id,
        cast(null as {{ dbt.type_string() }}) as dbt_invocation,
        cast(null as {{ dbt.type_timestamp() }}) as processed_at

)

select * from final
where false
