with

lines as (

    {{ event_log_lines() }}

),

final as (

    select
        log_date,
        count(*) as lines_read,
        count(case when rejection is null then 1 end) as events_kept,
        count(case when rejection = 'malformed' then 1 end) as rejected_malformed,
        count(case when rejection = 'missing_field' then 1 end) as rejected_missing_field,
        count(case when rejection = 'bad_timestamp' then 1 end) as rejected_bad_timestamp,
        count(case when rejection = 'duplicate' then 1 end) as rejected_duplicate
    from lines
    group by log_date

)

select * from final
