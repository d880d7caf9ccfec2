"""Suites in code: one ``TableSuite`` per table and stage, built from small, severity-tagged helpers."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import great_expectations.expectations as gxe
import sqlglot
import sqlglot.expressions as exp
from great_expectations.expectations import Expectation

CRITICAL = "critical"
WARNING = "warning"
SEVERITIES = (CRITICAL, WARNING)
MAX_ROWS = 1_000_000_000
# GX resolves these names in the dialect's type module: Postgres knows BIGINT/INTEGER/SMALLINT, while
# duckdb-engine has no GX type module, so GX falls back to SQLAlchemy's generic types, where Integer matches.
# On Spark GX looks the names up in pyspark.sql.types (LongType, IntegerType, ShortType); names an engine
# does not know are skipped there, and a list with none it knows raises (the check errors, the gate blocks).
INTEGER_TYPES = ["Integer", "BIGINT", "INTEGER", "SMALLINT", "LongType", "IntegerType", "ShortType"]
COLUMN_KWARGS = ("column", "column_A", "column_B")
COLUMN_LIST_KWARGS = ("column_list",)


def meta(severity: str) -> dict[str, str]:
    """The ``meta`` of an expectation: its severity (critical blocks the publish, warning only reports)."""
    if severity not in SEVERITIES:
        raise ValueError(f"unknown severity {severity!r}: choose one of {', '.join(SEVERITIES)}")
    return {"severity": severity}


def severity_of(expectation_meta: Mapping | None) -> str:
    """The severity of an expectation; a missing or unknown one counts as critical (fail-closed)."""
    severity = (expectation_meta or {}).get("severity")
    return severity if severity in SEVERITIES else CRITICAL


@dataclass(frozen=True)
class TableSuite:
    """The expectations of one table at one stage, named ``<logical schema>__<table>``."""

    name: str
    schema: str
    table: str
    expectations: list[Expectation]
    extra_columns: tuple[str, ...] = field(default=())

    @property
    def qualified_table(self) -> str:
        """``schema.table`` as validated (after any schema mapping)."""
        return f"{self.schema}.{self.table}"

    @property
    def columns(self) -> set[str]:
        """Every column the expectations name: the table must have them all."""
        names = set(self.extra_columns)
        for expectation in self.expectations:
            kwargs = expectation.configuration.kwargs
            names.update(kwargs[key] for key in COLUMN_KWARGS if kwargs.get(key))
            for key in COLUMN_LIST_KWARGS:
                names.update(kwargs.get(key) or [])
            names.update((expectation.meta or {}).get("columns") or [])
        return names


def table_suite(
    logical_schema: str,
    table: str,
    expectations: Iterable[Expectation],
    schema_map: Mapping[str, str] | None = None,
    extra_columns: Iterable[str] = (),
) -> TableSuite:
    """A suite named after the logical schema, validating the mapped schema."""
    schema = (schema_map or {}).get(logical_schema, logical_schema)
    return TableSuite(
        name=f"{logical_schema}__{table}",
        schema=schema,
        table=table,
        expectations=list(expectations),
        extra_columns=tuple(extra_columns),
    )


def has_rows(severity: str = CRITICAL) -> list[Expectation]:
    """The table holds at least one row (and not an absurd number)."""
    return [gxe.ExpectTableRowCountToBeBetween(min_value=1, max_value=MAX_ROWS, meta=meta(severity))]


def not_null(*columns: str, severity: str = CRITICAL) -> list[Expectation]:
    """Each column is never null."""
    return [gxe.ExpectColumnValuesToNotBeNull(column=column, meta=meta(severity)) for column in columns]


def unique(*columns: str, severity: str = CRITICAL) -> list[Expectation]:
    """The column, or the combination of columns, identifies a row."""
    if len(columns) == 1:
        return [gxe.ExpectColumnValuesToBeUnique(column=columns[0], meta=meta(severity))]
    return [gxe.ExpectCompoundColumnsToBeUnique(column_list=list(columns), meta=meta(severity))]


def between(
    column: str, min_value: float | None = None, max_value: float | None = None, severity: str = CRITICAL
) -> list[Expectation]:
    """Every value lies within the bounds (nulls are left to ``not_null``)."""
    return [
        gxe.ExpectColumnValuesToBeBetween(
            column=column, min_value=min_value, max_value=max_value, meta=meta(severity)
        )
    ]


def non_negative(*columns: str, severity: str = CRITICAL) -> list[Expectation]:
    """Each column is >= 0."""
    return [item for column in columns for item in between(column, min_value=0, severity=severity)]


def integers(*columns: str, severity: str = CRITICAL) -> list[Expectation]:
    """Each column has an integer type in the warehouse (cents are never fractional)."""
    return [
        gxe.ExpectColumnValuesToBeInTypeList(column=column, type_list=INTEGER_TYPES, meta=meta(severity))
        for column in columns
    ]


def in_set(column: str, values: Iterable, severity: str = CRITICAL) -> list[Expectation]:
    """Every value is one of the allowed values."""
    return [gxe.ExpectColumnValuesToBeInSet(column=column, value_set=list(values), meta=meta(severity))]


def mean_between(
    column: str, min_value: float, max_value: float, severity: str = WARNING
) -> list[Expectation]:
    """The column's mean lies within the bounds: a distribution check, a warning by default."""
    return [
        gxe.ExpectColumnMeanToBeBetween(
            column=column, min_value=min_value, max_value=max_value, meta=meta(severity)
        )
    ]


def _identifier(name: str) -> exp.Column:
    """A quoted column reference, rendered by sqlglot (names are never pasted into SQL raw)."""
    return exp.column(name, quoted=True)


def sum_matches(
    total: str, parts: Iterable[str], tolerance: float | None = None, severity: str = CRITICAL
) -> list[Expectation]:
    """``total = part + part + ...`` on every row: no row may break the sum (beyond the tolerance)."""
    part_names = list(parts)
    summed: exp.Expression = _identifier(part_names[0])
    for part in part_names[1:]:
        summed = exp.Add(this=summed, expression=_identifier(part))
    difference = exp.Sub(this=_identifier(total), expression=exp.Paren(this=summed))
    if tolerance is None:
        condition: exp.Expression = exp.NEQ(this=difference, expression=exp.Literal.number(0))
    else:
        condition = exp.GT(this=exp.Abs(this=difference), expression=exp.Literal.number(tolerance))
    batch = exp.Table(this=exp.Identifier(this="{batch}", quoted=False))
    query = sqlglot.select("*").from_(batch).where(condition).sql(dialect="postgres")
    rule = f"{total} = {' + '.join(part_names)}"
    return [
        gxe.UnexpectedRowsExpectation(
            unexpected_rows_query=query,
            description=rule,
            meta={**meta(severity), "columns": part_names + [total]},
        )
    ]


def unexpected_rows(query: str, description: str, severity: str = CRITICAL) -> list[Expectation]:
    """No row matches a fixed SQL query over ``{batch}`` (the query is a constant written in a suite)."""
    return [
        gxe.UnexpectedRowsExpectation(
            unexpected_rows_query=query, description=description, meta=meta(severity)
        )
    ]


MONEY_TOLERANCE = 0.005


def from_spec(spec: Mapping) -> list[Expectation]:
    """The expectations one table spec declares: keys, not null, >= 0, ranges, sets, sums (critical)
    and means (warning). Sums compare within ``MONEY_TOLERANCE`` (money in dollars is decimal)."""
    declared = [*has_rows()]
    for key in spec.get("keys", []):
        declared += unique(*key)
    declared += not_null(*spec.get("not_null", []))
    declared += non_negative(*spec.get("non_negative", []))
    for column, (low, high) in spec.get("between", {}).items():
        declared += between(column, low, high)
    for column, values in spec.get("in_set", {}).items():
        declared += in_set(column, values)
    for total, parts in spec.get("sums", {}).items():
        declared += sum_matches(total, parts, tolerance=MONEY_TOLERANCE)
    for column, (low, high) in spec.get("warn_mean", {}).items():
        declared += mean_between(column, low, high, severity=WARNING)
    return declared


def stdev_between(
    column: str, min_value: float, max_value: float, severity: str = WARNING
) -> list[Expectation]:
    """The column's standard deviation lies within the bounds: a distribution check, a warning by default."""
    return [
        gxe.ExpectColumnStdevToBeBetween(
            column=column, min_value=min_value, max_value=max_value, meta=meta(severity)
        )
    ]


def gx_checks(spec: Mapping) -> list[Expectation]:
    """GX-only checks of one table (none dbt declares): not null, >= 0, ranges, sums, warning-level spreads."""
    declared = not_null(*spec.get("not_null", []))
    declared += non_negative(*spec.get("non_negative", []))
    for column, (low, high) in spec.get("between", {}).items():
        declared += between(column, low, high)
    for total, parts in spec.get("sums", {}).items():
        declared += sum_matches(total, parts, tolerance=MONEY_TOLERANCE)
    for column, (low, high) in spec.get("warn_mean", {}).items():
        declared += mean_between(column, low, high, severity=WARNING)
    for column, (low, high) in spec.get("warn_stdev", {}).items():
        declared += stdev_between(column, low, high, severity=WARNING)
    return declared


SuiteBuilder = Callable[[Mapping[str, str] | None], list[TableSuite]]


def stage_builders() -> dict[str, SuiteBuilder]:
    """The suite builder of every stage, by stage name."""
    from . import marts, raw, staging

    return {"raw": raw.suites, "staging": staging.suites, "marts": marts.suites}


def stage_suites(stage: str, schema_map: Mapping[str, str] | None = None) -> list[TableSuite]:
    """Every table suite of a stage; an unknown stage is an error."""
    builders = stage_builders()
    if stage not in builders:
        raise ValueError(f"no suites for stage {stage!r}: choose one of {', '.join(builders)}")
    return builders[stage](schema_map)
