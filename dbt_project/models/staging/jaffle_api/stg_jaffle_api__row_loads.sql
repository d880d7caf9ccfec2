{#- Which completed dlt load wrote the current version of every order, product and supply: what the
    incremental models compare with the loads they have processed (README "Incremental models"). The same
    rows as stg_jaffle_api__orders, __products and __supplies admit, reduced to their keys and load id. -#}
with

orders as (

    {{ latest_completed_rows('jaffle_api', 'orders', ['id']) }}

),

products as (

    {{ latest_completed_rows('jaffle_api', 'products', ['sku']) }}

),

supplies as (

    {{ latest_completed_rows('jaffle_api', 'supplies', ['id', 'sku']) }}

),

order_loads as (

    select
        'orders' as table_name,
        id as order_id,
        cast(null as {{ dbt.type_string() }}) as product_id,
        cast(null as {{ dbt.type_string() }}) as supply_id,
        _dlt_load_id as load_id
    from orders

),

product_loads as (

    select
        'products' as table_name,
        cast(null as {{ dbt.type_string() }}) as order_id,
        sku as product_id,
        cast(null as {{ dbt.type_string() }}) as supply_id,
        _dlt_load_id as load_id
    from products

),

supply_loads as (

    select
        'supplies' as table_name,
        cast(null as {{ dbt.type_string() }}) as order_id,
        sku as product_id,
        id as supply_id,
        _dlt_load_id as load_id
    from supplies

),

final as (

    select * from order_loads
    union all
    select * from product_loads
    union all
    select * from supply_loads

)

select * from final
