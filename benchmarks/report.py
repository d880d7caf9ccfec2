"""The bench's results: ratios against the baselines, then JSON, a Markdown table and a PNG plot."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .engines import ENGINES
from .spark_logs import format_table

Rows = list[dict[str, Any]]


def _find(results: Rows, engine: str, stage: str, scale: int | None = None) -> dict[str, Any] | None:
    """The first measurement of a stage on an engine (at a scale, when given)."""
    for row in results:
        if row["engine"] == engine and row["stage"] == stage and (scale is None or row["scale"] == scale):
            return row
    return None


def ratios(results: Rows, scales: list[int], engines: list[str]) -> dict[str, Any]:
    """Load rate against native ingest, incremental against full, naive paths, growth from the smallest scale."""
    native = {"duckdb": "duckdb_native", "postgres": "postgres_copy"}
    out: dict[str, Any] = {}
    for engine in engines:
        for scale in scales:
            load, base = (
                _find(results, engine, "pipeline_load", scale),
                _find(results, engine, native[engine], scale),
            )
            key = f"{engine} {scale:,}"
            if load and base:
                out[f"{key}: load rate / native rate (target >= 0.7)"] = round(
                    base["seconds"] / load["seconds"], 2
                )
            incremental = next(
                (
                    r
                    for r in results
                    if r["engine"] == engine
                    and r["stage"] == "incremental_load"
                    and r["detail"].get("of") == scale
                ),
                None,
            )
            if load and incremental:
                out[f"{key}: incremental 1% / full load (target < 0.1)"] = round(
                    incremental["seconds"] / load["seconds"], 3
                )
        loads = [r for r in results if r["engine"] == engine and r["stage"] == "pipeline_load"]
        if len(loads) > 1:
            small, large = loads[0], loads[-1]
            label = f"{engine}: {small['scale']:,} -> {large['scale']:,} items"
            out[f"{label}: time x"] = round(large["seconds"] / small["seconds"], 2)
            out[f"{label}: peak memory x"] = round(large["peak_mib"] / small["peak_mib"], 2)
        for naive in ("pandas_to_sql", "dlt_dicts"):
            row, load = _find(results, engine, naive), (loads or [None])[0]
            if row and load and row["rows_per_second"]:
                out[f"{engine}: pipeline rate / {naive} rate"] = round(
                    load["rows_per_second"] / row["rows_per_second"], 1
                )
        out |= _pipeline_ratios(results, engine)
        first, again = _find(results, engine, "demo_first"), _find(results, engine, "demo_no_op")
        if first and again:
            key = f"{engine}: jaffle demo at {first['scale']:,} items"
            out[f"{key}, first run seconds (target < 30)"] = round(first["seconds"], 1)
            out[f"{key}, rerun with nothing new seconds (target < 5)"] = round(again["seconds"], 1)
    return out


def pipeline_scales(results: Rows, engine: str | None = None) -> list[int]:
    """The order items of each whole-pipeline run (of one engine, when given)."""
    runs = {r["scale"] for r in results if r["stage"] == "extract_load" and engine in (None, r["engine"])}
    return sorted(runs)


def _pipeline_ratios(results: Rows, engine: str) -> dict[str, float]:
    """Per whole-pipeline run: 1% new orders against the full run, and the full run against DuckDB's floor."""
    out = {}
    for items in pipeline_scales(results, engine):
        rows = [r for r in results if r["engine"] == engine and r["scale"] == items]
        full = sum(r["seconds"] for r in rows if r["stage"] in PIPELINE_FULL)
        again = sum(r["seconds"] for r in rows if r["stage"] in PIPELINE_INCREMENTAL)
        key = f"{engine}: whole pipeline at {items:,} items"
        if full and again:
            out[f"{key}, 1% new orders / full run (target < 0.1)"] = round(again / full, 2)
        floor = _find(rows, engine, NATIVE_SQL)
        if full and floor:
            out[f"{key} / (native ingest + the models' SQL) (target < 3)"] = round(full / floor["seconds"], 2)
    return out


PIPELINE_FULL = ("extract_load", "check_raw", "dbt_build", "checks_publish")
PIPELINE_INCREMENTAL = tuple(f"{stage}_incremental" for stage in PIPELINE_FULL)
NATIVE_SQL = "native_ingest_sql"  # the whole pipeline's floor on DuckDB (native_sql.py)
PIPELINE_STAGES = {
    *PIPELINE_FULL,
    *PIPELINE_INCREMENTAL,
    "generate_demo",
    NATIVE_SQL,
    "demo_first",
    "demo_no_op",
}


def markdown(report: dict[str, Any]) -> str:
    """The results as a Markdown table, then the ratios and the machine."""
    lines = [
        "| engine | stage | order items | seconds | wall s | rows/s | peak MiB |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for row in report["results"]:
        rate = f"{row['rows_per_second']:,}" if row["rows_per_second"] else ""
        lines.append(
            f"| {row['engine']} | {row['stage']} | {row['scale']:,} | {row['seconds']:.2f} | {row['wall_seconds']:.2f}"
            f" | {rate} | {row['peak_mib']:,.0f} |"
        )
    lines += ["", "| ratio | value |", "|---|---:|"]
    lines += [f"| {name} | {value} |" for name, value in report["ratios"].items()]
    if report.get("spark_logs"):
        lines += [
            "",
            "Event-log trends, Spark against dbt on DuckDB:",
            "",
            format_table(report["spark_logs"]),
        ]
    m = report["machine"]
    lines += [
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['ram_gib']} GiB RAM, {m['os']}, Python {m['python']},"
        f" PostgreSQL {m['postgres']}; "
        + ", ".join(f"{name} {version}" for name, version in m["packages"].items())
        + f". Load average at start {m['load_average']}, at end {report['load_average_end']}.",
    ]
    return "\n".join(lines) + "\n"


def _plot_loads(axis: Any, rows: Rows, engine: str) -> None:
    """Seconds of each raw-load stage by order items (log-log), data generation included."""
    stages = [r["stage"] for r in rows if r["engine"] in (engine, "-") and r["stage"] not in PIPELINE_STAGES]
    for stage in dict.fromkeys(stages):
        points = sorted(
            (r["scale"], r["seconds"]) for r in rows if r["engine"] in (engine, "-") and r["stage"] == stage
        )
        axis.plot([p[0] for p in points], [p[1] for p in points], marker="o", label=stage)
    axis.set(
        xscale="log",
        yscale="log",
        title=f"{engine}: raw load",
        xlabel="order items (plus half as many orders)",
        ylabel="seconds",
    )
    axis.grid(True, which="both", alpha=0.3)
    axis.legend(fontsize=7)


def _plot_pipeline(axis: Any, rows: Rows, engines: list[str], items: int) -> None:
    """One whole-pipeline run's steps stacked, full run and 1% new orders per engine, and DuckDB's floor."""
    rows = [r for r in rows if r["scale"] == items]
    bars = [
        (e, run) for e in engines for run in ("full", "incremental") if any(r["engine"] == e for r in rows)
    ]
    bottoms = [0.0] * len(bars)
    for step in PIPELINE_FULL:
        heights = []
        for engine, run in bars:
            name = step if run == "full" else f"{step}_incremental"
            heights.append(sum(r["seconds"] for r in rows if r["engine"] == engine and r["stage"] == name))
        axis.bar([f"{e}\n{run}" for e, run in bars], heights, bottom=bottoms, label=step)
        bottoms = [b + h for b, h in zip(bottoms, heights, strict=True)]
    floor = _find(rows, "duckdb", NATIVE_SQL)
    if floor:
        axis.bar(
            ["duckdb\nnative + SQL"], [floor["seconds"]], color="black", label="native ingest + models' SQL"
        )
    axis.set(title=f"whole pipeline, {items:,} items (REST path)", ylabel="seconds")
    axis.legend(fontsize=7)


def plot(report: dict[str, Any], path: Path) -> None:
    """Raw-load seconds by scale per engine, and each whole-pipeline run's steps."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = report["results"]
    engines = [e for e in ENGINES if any(r["engine"] == e for r in rows)]
    load_engines = [
        e for e in engines if any(r["engine"] == e and r["stage"] == "pipeline_load" for r in rows)
    ]
    runs = pipeline_scales(rows)
    panels = len(load_engines) + len(runs)
    figure, axes = plt.subplots(1, panels, figsize=(5.5 * panels, 4.5), squeeze=False)
    for axis, engine in zip(axes[0], load_engines, strict=False):
        _plot_loads(axis, rows, engine)
    for axis, items in zip(axes[0][len(load_engines) :], runs, strict=True):
        _plot_pipeline(axis, rows, engines, items)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def write_report(report: dict[str, Any], folder: Path) -> list[Path]:
    """``bench.json``, ``bench.md`` and ``bench.png`` in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / "bench.json", folder / "bench.md", folder / "bench.png"]
    paths[0].write_text(json.dumps(report, indent=2, default=str) + "\n")
    paths[1].write_text(markdown(report))
    plot(report, paths[2])
    return paths


def rewrite(folder: Path) -> list[Path]:
    """Write the Markdown and the plot again from ``bench.json`` (after a change to the report's layout)."""
    return write_report(json.loads((folder / "bench.json").read_text()), folder)


if __name__ == "__main__":
    import sys

    for written in rewrite(Path(sys.argv[1] if len(sys.argv) > 1 else "benchmarks/results")):
        print(f"wrote {written}")
