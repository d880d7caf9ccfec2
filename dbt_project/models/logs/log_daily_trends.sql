with

events as (

    select * from ({{ event_log_lines() }}) as event_lines
    where rejection is null

),

-- A visitor's events in order (ties by event id); a gap of more than 30 minutes starts a new session.
gaps as (

    select
        *,
        epoch_ms(event_time) - lag(epoch_ms(event_time)) over (
            partition by visitor_id order by event_time, event_id
        ) as gap_ms
    from events

),

numbered as (

    select
        *,
        coalesce(gap_ms > 1800000, true) as is_session_start,
        sum(case when coalesce(gap_ms > 1800000, true) then 1 else 0 end) over (
            partition by visitor_id order by event_time, event_id
            rows between unbounded preceding and current row
        ) as session_number
    from gaps

),

-- A session belongs to the UTC day it started and to the store of its first event.
session_starts as (

    select
        visitor_id,
        session_number,
        cast(event_time as date) as event_date,
        store_name
    from numbered
    where is_session_start

),

session_events as (

    select
        numbered.visitor_id,
        numbered.session_number,
        numbered.event_type,
        numbered.page_path,
        session_starts.event_date,
        session_starts.store_name
    from numbered
    inner join session_starts
        on
            numbered.visitor_id = session_starts.visitor_id
            and numbered.session_number = session_starts.session_number

),

sessions as (

    select
        event_date,
        store_name,
        visitor_id,
        session_number,
        count(*) as events,
        max(case when event_type = 'order' then 1 else 0 end) as converted,
        count(case when event_type = 'error' then 1 end) as error_events
    from session_events
    group by event_date, store_name, visitor_id, session_number

),

-- Page views per path; the top three per store and day, by views, then by path.
path_views as (

    select
        event_date,
        store_name,
        page_path,
        row_number() over (
            partition by event_date, store_name order by count(*) desc, page_path asc
        ) as path_rank
    from session_events
    where event_type = 'page_view'
    group by event_date, store_name, page_path

),

top_paths as (

    select
        event_date,
        store_name,
        string_agg(page_path, '|' order by path_rank) as top_paths
    from path_views
    where path_rank <= 3
    group by event_date, store_name

),

daily as (

    select
        event_date,
        store_name,
        cast(sum(converted) as bigint) as converted_sessions,
        cast(sum(events) as bigint) as events,
        cast(sum(error_events) as bigint) as error_events,
        count(*) as sessions,
        count(distinct visitor_id) as visitors
    from sessions
    group by event_date, store_name

),

final as (

    select
        daily.event_date,
        daily.store_name,
        daily.sessions,
        daily.visitors,
        daily.converted_sessions,
        daily.events,
        daily.error_events,
        top_paths.top_paths,
        cast(daily.converted_sessions as double) / daily.sessions as conversion_rate
    from daily
    left join top_paths
        on
            daily.event_date = top_paths.event_date
            and daily.store_name = top_paths.store_name

)

select * from final
