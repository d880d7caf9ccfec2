"""Database tables declared by configuration alone: one ``sources/<name>/sql_database.yaml`` per database."""

from .declaration import DECLARATION_FILE, SqlDeclaration, load_sql_declaration
from .source import AfterIncremental, build_sql_source, sql_table_resource

__all__ = [
    "DECLARATION_FILE",
    "AfterIncremental",
    "SqlDeclaration",
    "build_sql_source",
    "load_sql_declaration",
    "sql_table_resource",
]
