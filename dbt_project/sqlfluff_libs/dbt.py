"""Stand-ins for dbt's cross-database macros, so sqlfluff's jinja templater can render models offline.

Only sqlfluff loads this module (``library_path`` in ``.sqlfluff``); dbt never sees it. Each function renders
plausible DuckDB SQL of the same shape as the real macro.
"""


def date_trunc(datepart: str, date: str) -> str:
    """Render ``dbt.date_trunc``."""
    return f"date_trunc('{datepart}', {date})"


def datediff(first_date: str, second_date: str, datepart: str) -> str:
    """Render ``dbt.datediff``."""
    return f"date_diff('{datepart}', {first_date}, {second_date})"


def hash(field: str) -> str:
    """Render ``dbt.hash``."""
    return f"md5(cast({field} as varchar))"


def concat(fields: list[str]) -> str:
    """Render ``dbt.concat``."""
    return f"concat({', '.join(fields)})"


def safe_cast(field: str, type_name: str) -> str:
    """Render ``dbt.safe_cast``."""
    return f"try_cast({field} as {type_name})"


def type_string() -> str:
    """Render ``dbt.type_string``."""
    return "varchar"


def type_timestamp() -> str:
    """Render ``dbt.type_timestamp``."""
    return "timestamp"


def type_numeric() -> str:
    """Render ``dbt.type_numeric``."""
    return "numeric(28, 6)"


def type_int() -> str:
    """Render ``dbt.type_int``."""
    return "integer"


def type_bigint() -> str:
    """Render ``dbt.type_bigint``."""
    return "bigint"


def type_boolean() -> str:
    """Render ``dbt.type_boolean``."""
    return "boolean"
