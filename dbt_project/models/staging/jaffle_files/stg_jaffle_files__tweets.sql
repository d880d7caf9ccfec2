with

source as (

    {{ latest_completed_rows('jaffle_files', 'tweets', ['id']) }}

),

final as (

    select
        id as tweet_id,
        user_id,
        content as tweet_content,
        cast(tweeted_at as {{ dbt.type_timestamp() }}) as tweeted_at
    from source

)

select * from final
