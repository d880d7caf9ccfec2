{#- Whether a source is one of the warehouse's sources (`[extract_load] sources`, handed to dbt as
    JAFFLE_DBT_SOURCES): its staging models exist only then (dbt_project.yml). -#}
{% macro source_selected(source_name) %}
    {{- return(source_name in env_var('JAFFLE_DBT_SOURCES').split(',')) -}}
{% endmacro %}
