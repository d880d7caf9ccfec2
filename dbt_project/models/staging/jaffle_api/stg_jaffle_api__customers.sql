with

source as (

    select * from {{ source('jaffle_api', 'customers') }}
    where _dlt_load_id in ({{ completed_load_ids('jaffle_api') }})

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
        id as customer_id,
        name as customer_name
    from versioned
    where version_rank = 1

)

select * from final
