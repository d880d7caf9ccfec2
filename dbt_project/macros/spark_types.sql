{#- The column types of the marts' contracts are written once, in the names DuckDB and Postgres share (varchar,
    double precision, numeric(p, s)). dbt casts to them when it checks a contract; on Spark the same type has
    another name (string, double, decimal(p, s)), so this root-project cast translates them first. -#}
{% macro spark__cast(field, type) -%}
    cast({{ field }} as {{ spark_type(type) }})
{%- endmacro %}

{% macro spark_type(type) -%}
    {%- set name = type | trim | lower -%}
    {%- if name in ('varchar', 'text', 'character varying') or name.startswith('varchar(') -%}
        string
    {%- elif name == 'double precision' -%}
        double
    {%- elif name.startswith('numeric') -%}
        {{ 'decimal' ~ name[7:] }}
    {%- else -%}
        {{ type }}
    {%- endif -%}
{%- endmacro %}
