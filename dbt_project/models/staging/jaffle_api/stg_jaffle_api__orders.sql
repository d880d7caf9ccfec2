with

source as (

    select * from {{ source('jaffle_api', 'orders') }}
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
        ---------- ids
        id as order_id,
        customer_id,
        store_id as location_id,

        ---------- money
        {{ cents_to_dollars('subtotal') }} as subtotal,
        {{ cents_to_dollars('tax_paid') }} as tax_paid,
        {{ cents_to_dollars('order_total') }} as order_total,

        ---------- timestamps
        cast(ordered_at as {{ dbt.type_timestamp() }}) as ordered_at,
        cast({{ dbt.date_trunc('day', 'ordered_at') }} as date) as order_date
    from versioned
    where version_rank = 1

)

select * from final
