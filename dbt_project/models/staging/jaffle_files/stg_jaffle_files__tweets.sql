with

source as (

    select * from {{ source('jaffle_files', 'tweets') }}
    where _dlt_load_id in ({{ completed_load_ids('jaffle_files') }})

),

versioned as (

    select
        *,
        row_number() over (
            partition by id
            order by _dlt_load_id desc, _dlt_id asc
        ) as version_rank
    from source

),

final as (

    select
        id as tweet_id,
        user_id,
        content as tweet_content,
        cast(tweeted_at as {{ dbt.type_timestamp() }}) as tweeted_at
    from versioned
    where version_rank = 1

)

select * from final
