with

source as (

    {{ latest_completed_rows('jaffle_api', 'customers', ['id']) }}

),

final as (

    select
        id as customer_id,
        name as customer_name
    from source

)

select * from final
