"""The short summary printed at the end of a run: rows, checks, and where to look next."""

from __future__ import annotations

import settings
from engines import current_engine

from . import steps
from .runs import RunRecord


def _table(title: str, counts: dict[str, int]) -> list[str]:
    """A titled, aligned two-column block."""
    if not counts:
        return [f"{title}: none"]
    width = max(len(name) for name in counts)
    return [f"{title}:"] + [f"  {name:<{width}}  {count:>12,}" for name, count in counts.items()]


def _checks(record: RunRecord) -> list[str]:
    """One line per gate that ran in this run."""
    lines = []
    for step in record.steps:
        if step.name.startswith("check_") and step.detail:
            detail = step.detail
            verdict = "passed" if detail.get("passed") else "FAILED"
            stage = step.name.removeprefix("check_")
            lines.append(
                f"  {stage:<8} {verdict}: {detail.get('evaluated', '?')} expectations evaluated,"
                f" {detail.get('failed_critical', '?')} critical failures,"
                f" {detail.get('failed_warning', '?')} warnings"
            )
        if step.name == "reconcile" and step.detail:
            for label, result in step.detail.items():
                verdict = "equal" if result["equal"] else "DIFFERENT"
                lines.append(
                    f"  reconcile {label}: source {result['source']}, marts {result['warehouse']}: {verdict}"
                )
    return ["Checks:"] + lines if lines else []


def _table_line(source: str, table: dict) -> str:
    """One loaded table: rows, seconds, rows per second, and its balance when the source counts reads."""
    rate = f"{table['rows_per_second']:>12,.0f}/s" if table.get("rows_per_second") else f"{'-':>14}"
    line = f"  {source + '.' + table['table']:<40} {table['rows']:>10,} {table['seconds']:>8.2f}s {rate}"
    if table.get("read") is not None:
        verdict = "balanced" if table["balanced"] else "NOT BALANCED"
        merged = table.get("merged_away") or 0
        line += (
            f"  read {table['read']:,} = loaded {table['rows']:,} + merged away as duplicates {merged:,}"
            f" + quarantined {table['quarantined']:,}: {verdict}"
        )
    return line


def _loaded(record: RunRecord) -> list[str]:
    """Per source and table, what this run loaded (nothing on a rerun without new data)."""
    for step in record.steps:
        if step.name == "extract_load" and step.detail:
            lines = [f"Loaded this run (stored in {settings.REPORTS_DATASET}.table_loads):"]
            for source, load in step.detail.items():
                tables = load.get("tables") or []
                lines += [_table_line(source, table) for table in tables] or [f"  {source}: nothing new"]
            return lines
    return []


def render_summary(record: RunRecord) -> str:
    """The run summary as text."""
    lines = [f"Run {record.run_id} on {record.warehouse}: {record.status}"]
    lines += [f"  {step.name:<14} {step.status:<7} {step.seconds:>8.1f}s" for step in record.steps]
    lines += [
        f"Nothing changed since run {step.detail['published_run']}, whose marts are published: nothing was"
        " built, checked or published (--force runs every step)."
        for step in record.steps
        if step.name == "compare_inputs" and step.detail.get("unchanged") and step is record.steps[-1]
    ]
    lines += _loaded(record)
    lines += _table("Raw tables", steps.raw_row_counts())
    lines += _checks(record)
    published = steps.published_row_counts()
    lines += _table(f"Published marts (schema {settings.PUBLISHED_SCHEMA!r})", published)
    lines += current_engine().describe()
    lines.append(f"Docs: `make docs` builds and serves {steps.docs_location()}")
    lines.append(f"Run record: {settings.data_dir() / 'runs' / (record.run_id + '.json')}")
    lines += [f"Data-quality report: {s.detail['report']}" for s in record.steps if "report" in s.detail][-1:]
    return "\n".join(lines)


def print_summary(record: RunRecord) -> None:
    """Print the run summary."""
    print("\n" + render_summary(record))
