"""The command line: ``jaffle demo`` runs everything; each step also runs on its own."""

from __future__ import annotations

import argparse
import errno
import logging
import sys

import settings
from engines import current_engine
from settings import extras

from . import steps
from .pipeline import PUBLISH_ALONE, RunOptions, run_pipeline, run_step
from .run_lock import WarehouseBusy, warehouse_lock
from .runs import RunRecord, StepFailed
from .summary import print_summary

log = logging.getLogger("jaffle")
EXIT_BUSY = 75  # EX_TEMPFAIL: another run holds the warehouse; try again later


def _add_data_options(parser: argparse.ArgumentParser) -> None:
    """Options of the demo data generator."""
    parser.add_argument(
        "--scale", type=float, help="demo data size (1.0 ~ the public API; default [demo] scale)"
    )
    parser.add_argument("--seed", type=int, help="generator seed (default [demo] seed)")


def _add_api_option(parser: argparse.ArgumentParser) -> None:
    """Where the Jaffle Shop API is read from."""
    parser.add_argument(
        "--api",
        default="local",
        help="'local' (default: the stand-in on loopback, serving the demo data), "
        "'config' (sources.jaffle_api.base_url from .dlt/config.toml or env), or a base URL",
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with one sub-command per step."""
    parser = argparse.ArgumentParser(prog="jaffle", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="log every step in detail")
    commands = parser.add_subparsers(dest="command", required=True)
    generate = commands.add_parser("generate", help="write the demo source system and landing files")
    _add_data_options(generate)
    logs = commands.add_parser(
        "logs", help="write the demo web and store event logs (gzipped JSON Lines per day)"
    )
    logs.add_argument("--gigabytes", type=float, default=0.1, help="uncompressed size of the logs")
    logs.add_argument("--days", type=int, default=7, help="day folders from 2024-03-01")
    logs.add_argument("--seed", type=int, help="generator seed (default [demo] seed)")
    el = commands.add_parser("el", help="extract-load every source into the raw schemas")
    _add_data_options(el)
    _add_api_option(el)
    el.add_argument(
        "--source",
        action="append",
        dest="sources",
        metavar="NAME",
        help="load only this source (repeatable); default: [extract_load] sources in .dlt/config.toml",
    )
    check = commands.add_parser("check", help="run the quality gate of one stage (exit 1 when it fails)")
    check.add_argument("--stage", choices=["raw", "staging", "marts"], required=True)
    commands.add_parser(
        "pg-setup", help="Postgres: create the database, the loader/transformer/reader roles and grants"
    )
    commands.add_parser("reset", help="drop everything the pipeline wrote to the configured warehouse")
    commands.add_parser(
        "status", help="who holds the warehouse, pending load packages, orphan rows, how the last run ended"
    )
    commands.add_parser("recover", help="finish or abort the load packages a crashed run left pending")
    commands.add_parser("transform", help="dbt build: models, tests and unit tests")
    dbt = commands.add_parser(
        "dbt", help="dbt itself, handed the project's settings: `jaffle dbt -- build --select orders`"
    )
    dbt.add_argument("dbt_arguments", nargs=argparse.REMAINDER, help="dbt's command and arguments")
    commands.add_parser("publish", help="gate the marts, then publish them atomically")
    docs = commands.add_parser("docs", help="dbt docs generate (a static page too); --serve to browse it")
    docs.add_argument("--serve", action="store_true", help="serve the docs on 127.0.0.1 after building")
    docs.add_argument("--port", type=int, default=8080)
    dbt_sources = commands.add_parser(
        "dbt-sources", help="check dbt's sources YAML against dlt's stored schemas (exit 1 on differences)"
    )
    dbt_sources.add_argument("--write", action="store_true", help="rewrite the YAML files from dlt's schemas")
    dbt_sources.add_argument(
        "--source", action="append", dest="sources", metavar="NAME", help="one source only"
    )
    dbt_sources.add_argument("--staging-dir", help="the dbt models/staging folder to check or write")
    demo = commands.add_parser(
        "demo", help="the demo data, then the whole pipeline on it (steps: warehouse/pipeline.py)"
    )
    _add_data_options(demo)
    _add_api_option(demo)
    run = commands.add_parser(
        "run",
        help="the whole pipeline on the configured sources: el, raw gate, freshness, dbt build, marts gate, publish",
    )
    run.add_argument(
        "--api", default="config", help="'config' (default: sources.jaffle_api.base_url) or a base URL"
    )
    for whole_run in (demo, run):
        whole_run.add_argument(
            "--force",
            action="store_true",
            help="run every step even when nothing changed since the published run (no new loads, same code)",
        )
    return parser


# Commands that never touch the warehouse: the engine is not prepared for them.
OFFLINE_COMMANDS = ("generate", "logs")
# Commands that never write to the warehouse run without its lock.
UNLOCKED_COMMANDS = ("generate", "logs", "pg-setup", "dbt-sources", "status")


def run_command(arguments: argparse.Namespace) -> RunRecord:
    """Run the chosen command inside one run record, holding the warehouse when it writes to it."""
    command = arguments.command
    engine = current_engine()
    if not engine.capabilities.supports(command):
        supported = ", ".join(sorted(engine.capabilities.commands or ()))
        raise ValueError(
            f"`jaffle {command}` does not run on WAREHOUSE={engine.name} yet (only {supported});"
            f" see docs/{engine.name}.md"
        )
    if command not in OFFLINE_COMMANDS:
        if engine.capabilities.extra:
            extras.require(engine.capabilities.extra, install=True)  # its packages, installed on first use
        engine.prepare()
    if command in UNLOCKED_COMMANDS:
        return _run_unlocked(arguments)
    with warehouse_lock(command):
        record = _run_locked(arguments)
    if command == "docs" and arguments.serve:  # serving reads files only: the warehouse is free meanwhile
        from . import docs_site

        docs_site.serve(settings.target_dir(), arguments.port)
    return record


def _run_unlocked(arguments: argparse.Namespace) -> RunRecord:
    """Commands that only read the warehouse, or write outside it."""
    record = RunRecord()
    command = arguments.command
    if command == "dbt-sources":
        from .dbt_sources import run_dbt_sources

        run_dbt_sources(arguments.sources, arguments.write, arguments.staging_dir)
    elif command == "status":
        from .status import format_status, warehouse_status

        print(format_status(warehouse_status()))
    elif command == "generate":
        steps.generate_demo_data(arguments.scale, arguments.seed)
    elif command == "logs":
        from demo.event_logs import generate_logs

        folder = settings.event_logs_dir()
        seed = settings.current().demo_seed if arguments.seed is None else arguments.seed
        manifest = generate_logs(folder, arguments.gigabytes, seed, arguments.days)
        size = f"{manifest.bytes_uncompressed / 1e6:,.1f} MB of JSON ({manifest.bytes_on_disk / 1e6:,.1f} MB gzipped)"
        print(f"{manifest.lines:,} lines, {size} in {folder}")
    return record


def _run_locked(arguments: argparse.Namespace) -> RunRecord:
    """Commands that write to the warehouse; the caller holds its lock."""
    record = RunRecord()
    command = arguments.command
    if command == "reset":
        from .reset import reset_warehouse

        reset_warehouse()
        return record
    if command == "recover":
        from .status import format_status, print_recovery, recover, warehouse_status

        print_recovery(recover())
        print(format_status(warehouse_status(holding_lock=True)))
        return record
    options = RunOptions(
        api=getattr(arguments, "api", "config"),
        sources=getattr(arguments, "sources", None),
        force=getattr(arguments, "force", False),
    )
    from demo.locations import DEMO_SOURCES

    demo_sources = not options.sources or bool(set(options.sources) & set(DEMO_SOURCES))
    if command in ("el", "demo") and options.demo and demo_sources:
        steps.generate_demo_data(arguments.scale, arguments.seed)
    if command in ("demo", "run"):
        run_pipeline(record, options)
    elif command == "el":
        run_step("extract_load", record, options)
    elif command == "check":
        steps.check(record, arguments.stage)
    elif command == "transform":
        run_step("transform", record, options)
    elif command == "publish":
        run_pipeline(record, options, PUBLISH_ALONE)
    elif command == "docs":
        steps.build_docs()
    elif command == "dbt":
        _run_dbt_by_hand(arguments.dbt_arguments)
    record.finish()
    return record


def _run_dbt_by_hand(dbt_arguments: list[str]) -> None:
    """dbt with the arguments given (after ``--``), this project's folders and target, and the settings."""
    from .dbt import run_dbt

    dbt_arguments = dbt_arguments[1:] if dbt_arguments[:1] == ["--"] else dbt_arguments
    if not dbt_arguments:
        raise ValueError("`jaffle dbt` needs dbt's command: e.g. `jaffle dbt -- build --select orders`")
    result = run_dbt(*dbt_arguments)
    if result.returncode:
        raise StepFailed(f"dbt {' '.join(dbt_arguments)} exited with {result.returncode} (its output above)")


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``jaffle``: exit 0 on success, 1 when a step failed (with what to do)."""
    arguments = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if arguments.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("jaffle").setLevel(logging.INFO)
    try:
        current_engine()  # an unknown WAREHOUSE is a clear error before anything runs
        record = run_command(arguments)
    except WarehouseBusy as error:
        print(f"\nBUSY: {error}", file=sys.stderr)
        return EXIT_BUSY
    except (StepFailed, RuntimeError, ValueError, FileNotFoundError) as error:
        print(f"\nFAILED: {error}", file=sys.stderr)
        return 1
    except OSError as error:
        hint = (
            f"; free disk space where the pipeline works ({settings.data_dir()}) and run again: the next run"
            " recovers what this one left"
            if error.errno == errno.ENOSPC
            else ""
        )
        print(f"\nFAILED: {type(error).__name__}: {error}{hint}", file=sys.stderr)
        return 1
    if arguments.command in ("el", "demo", "run", "publish", "check"):
        print_summary(record)
    return 0


if __name__ == "__main__":
    sys.exit(main())
