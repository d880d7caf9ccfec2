with

source as (

    {{ latest_completed_rows('jaffle_api', 'orders', ['id']) }}

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
    from source

)

select * from final
