{#- The rows of a dlt root table that staging admits: only rows of completed loads (see completed_load_ids),
    and of those only the latest version of each key (the newest load wins; ties broken by _dlt_id).
    dlt's merge already keeps one row per key; this guards against re-sent files and a change of write
    disposition. Used as the body of every staging model's `source` CTE. -#}
{% macro latest_completed_rows(source_name, table_name, key_columns) -%}
    select *
    from (
        select
            *,
            row_number() over (
                partition by {{ key_columns | join(', ') }}
                order by _dlt_load_id desc, _dlt_id asc
            ) as _version_rank
        from {{ source(source_name, table_name) }}
        where _dlt_load_id in ({{ completed_load_ids(source_name) }})
    ) as versions
    where _version_rank = 1
{%- endmacro %}
