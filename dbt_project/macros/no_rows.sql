{#- An empty relation with these columns ({name: type}), standing in for the staging model of a source the
    warehouse does not load: the marts' left joins then give zero or null. -#}
{% macro no_rows(columns) %}
    select
    {%- for name, type in columns.items() %}
        cast(null as {{ type }}) as {{ name }}{{ "," if not loop.last }}
    {%- endfor %}
    where 1 = 0
{% endmacro %}
