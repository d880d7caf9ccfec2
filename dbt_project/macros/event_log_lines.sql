{#- The demo event logs (source event_logs.lines: gzipped JSON Lines under date=YYYY-MM-DD/ folders), one row per
    line, each with why it was rejected (null: kept). The same rules as spark_jobs/log_trends.py
    (docs/log_trends.md): malformed (not a JSON object), missing_field (a required field absent or null),
    bad_timestamp (event_time not YYYY-MM-DDTHH:MM:SS.mmmZ, UTC), duplicate (an event_id seen before, in event
    order). With no log files at the configured place, an empty result of the same shape. DuckDB only (the logs
    folder and the source are enabled there). -#}

{#- 'yes' when any log file matches the source's glob (at parse time too: the check runs only when dbt executes). -#}
{% macro event_log_files_exist() -%}
    {%- if execute -%}
        {%- set files = graph.sources['source.' ~ project_name ~ '.event_logs.lines'].meta.files -%}
        {%- set found = run_query("select count(*) from glob('" ~ files ~ "')") -%}
        {{- 'yes' if found.columns[0].values()[0] > 0 else 'no' -}}
    {%- else -%}
        yes
    {%- endif -%}
{%- endmacro %}

{% macro event_log_lines() %}
{%- if event_log_files_exist() | trim == 'yes' %}
    with

    raw_lines as (
        select
            files.line,
            cast(files.date as date) as log_date,
            case when json_valid(files.line) and json_type(files.line) = 'OBJECT' then files.line end as doc
        from {{ source('event_logs', 'lines') }} as files
    ),

    fields as (
        select
            log_date,
            doc is null as is_malformed,
            doc ->> 'event_id' as event_id,
            doc ->> 'event_time' as event_time_text,
            doc ->> 'visitor_id' as visitor_id,
            doc ->> 'store' as store_name,
            doc ->> 'event_type' as event_type,
            doc ->> 'path' as page_path,
            try_cast(doc ->> 'status' as integer) as status
        from raw_lines
    ),

    parsed as (
        select
            *,
            case
                when regexp_full_match(event_time_text, '\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z')
                    then try_strptime(event_time_text, '%Y-%m-%dT%H:%M:%S.%gZ')
            end as event_time
        from fields
    ),

    checked as (
        select
            *,
            case
                when is_malformed then 'malformed'
                when
                    event_id is null or event_time_text is null or visitor_id is null
                    or store_name is null or event_type is null or page_path is null
                    then 'missing_field'
                when event_time is null then 'bad_timestamp'
            end as invalid_reason
        from parsed
    ),

    ranked as (
        select
            *,
            case
                when invalid_reason is null
                    then row_number() over (
                        partition by invalid_reason is null, event_id
                        order by event_time, log_date, visitor_id, store_name, event_type, page_path, status
                    )
            end as copy_number
        from checked
    )

    select
        log_date,
        event_id,
        event_time,
        visitor_id,
        store_name,
        event_type,
        page_path,
        status,
        coalesce(invalid_reason, case when copy_number > 1 then 'duplicate' end) as rejection
    from ranked
{%- else %}
    select
        cast(null as date) as log_date,
        cast(null as varchar) as event_id,
        cast(null as timestamp) as event_time,
        cast(null as varchar) as visitor_id,
        cast(null as varchar) as store_name,
        cast(null as varchar) as event_type,
        cast(null as varchar) as page_path,
        cast(null as integer) as status,
        cast(null as varchar) as rejection
    where false
{%- endif %}
{% endmacro %}
