with

source as (

    select * from {{ source('jaffle_api', 'products') }}
    where _dlt_load_id in ({{ completed_load_ids('jaffle_api') }})

),

versioned as (

    select
        *,
        row_number() over (
            partition by sku
            order by _dlt_load_id desc, _dlt_id asc
        ) as version_rank
    from source

),

final as (

    select
        ---------- ids
        sku as product_id,

        ---------- text
        name as product_name,
        type as product_type,
        description as product_description,

        ---------- money
        {{ cents_to_dollars('price') }} as product_price,

        ---------- booleans
        coalesce(type = 'jaffle', false) as is_food_item,
        coalesce(type = 'beverage', false) as is_drink_item
    from versioned
    where version_rank = 1

)

select * from final
