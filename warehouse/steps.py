"""The pipeline's steps as plain functions: the CLI, the Makefile and any orchestrator call these."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import settings
from engines import current_engine
from settings import target_dir

from .dbt import run_dbt
from .publish import publish
from .runs import RunRecord, StepFailed

log = logging.getLogger(__name__)
# Progress lines of long steps, shown without -v (the CLI keeps the ``jaffle`` logger at INFO).
progress = logging.getLogger("jaffle")


def generate_demo_data(scale: float | None = None, seed: int | None = None, force: bool = False) -> dict:
    """Write the demo source systems (API data, landing files, OLTP database) unless already there; scale and
    seed default to ``[demo]``'s."""
    from demo.data import generate

    scale = settings.current().demo_scale if scale is None else scale
    seed = settings.current().demo_seed if seed is None else seed

    manifest_path = settings.data_dir() / "source" / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    if force or manifest.get("seed") != seed or manifest.get("scale") != scale:
        manifest = generate(settings.data_dir(), seed=seed, scale=scale)
    from demo.locations import OLTP_SOURCE

    if OLTP_SOURCE in settings.extract_load_sources():
        from demo.oltp_database import seed_demo_oltp

        seed_demo_oltp(seed, scale, force)
    return manifest


def extract_load(
    record: RunRecord, api: str = "local", landing: str | None = None, sources: list[str] | None = None
) -> dict[str, Any]:
    """Land each source in its raw schema, reconciled; store the per-table summary; return it per source."""
    from dlt.common.configuration.exceptions import ConfigurationException
    from dlt.pipeline.exceptions import PipelineStepFailed

    from demo.locations import source_location
    from extract_load.ledger import ReconciliationError
    from extract_load.pipeline import load_source
    from extract_load.run_report import aborted_rows, loaded_rows, store_report

    names = sources or settings.extract_load_sources()
    report: list[dict[str, Any]] = []
    with record.step("extract_load") as step:
        step.detail = {}
        try:
            for number, name in enumerate(names, 1):
                progress.info("extract-load %d/%d: %s ...", number, len(names), name)
                with source_location(name, api, landing) as location:
                    load = load_source(name, location)
                _register_lake_dataset(settings.dataset_of(name))
                step.detail[name] = load.to_dict()
                report += loaded_rows(record.run_id, load)
                progress.info(
                    "extract-load %d/%d: %s: %s rows in %.1fs",
                    number, len(names), name, f"{sum(load.rows.values()):,}", sum(load.seconds.values()),
                )  # fmt: skip
        except ReconciliationError as error:
            report += aborted_rows(record.run_id, name, error)
            raise StepFailed(str(error)) from error
        except ConfigurationException as error:
            raise StepFailed(
                f"extract-load of {name} cannot start: its configuration is incomplete. {error}\n"
                f"Set it (.dlt/secrets.toml, .dlt/config.toml or an environment variable named above), or load"
                f" other sources only (`jaffle el --source NAME`, `[extract_load] sources`)."
            ) from error
        except (PipelineStepFailed, OSError) as error:
            raise StepFailed(_load_failure(name, error)) from error
        finally:
            store_report(report)
            if report:
                _register_lake_dataset(settings.REPORTS_DATASET)
    return step.detail


def _register_lake_dataset(dataset: str) -> None:
    """Declare the dataset's landed tables where dlt does not (the Spark target's metastore)."""
    current_engine().register_dataset(dataset)


def _load_failure(source: str, error: Exception) -> str:
    """What failed in a source's extract-load, the cause, and what to do (dlt's own advice does not apply)."""
    import errno

    step = getattr(error, "step", None)
    cause: BaseException = error
    while cause.__cause__ is not None or getattr(cause, "exception", None) is not None:
        cause = cause.__cause__ or cause.exception
    where = f" at dlt's {step} step" if step else ""
    advice = "fix the cause"
    if isinstance(cause, OSError) and cause.errno == errno.ENOSPC or "No space left on device" in str(error):
        advice = f"free disk space where the pipeline works ({settings.data_dir()})"
    return (
        f"extract-load of {source} failed{where}: {type(cause).__name__}: {_whole_message(cause)}\n"
        f"Nothing of this load reaches staging or the marts. {advice[0].upper()}{advice[1:]}, then run again:"
        " the next run aborts what this one left and extracts it again (`jaffle status` shows it meanwhile)."
    )


# The longest part of a server's response shown beside an HTTP error's status.
RESPONSE_SHOWN = 500


def _whole_message(error: BaseException) -> str:
    """An error's whole message; for an HTTP error, with the server's response (trimmed) beside the status."""
    message = str(error).strip()
    response = getattr(error, "response", None)
    body = getattr(response, "text", None)
    if isinstance(body, str) and body.strip():
        body = body.strip()
        shown = body[:RESPONSE_SHOWN] + (" [...]" if len(body) > RESPONSE_SHOWN else "")
        message += f"\nThe server answered: {shown}"
    return message


def check(record: RunRecord, stage: str) -> Any:
    """Run the gate of one stage, report and store its results; a failed gate (or storing) stops the run."""
    from expectations.gate import run_gate
    from expectations.history import CHECK_RESULTS, record_gate, redact
    from expectations.report import write_run_report

    with record.step(f"check_{stage}") as step:
        result = run_gate(stage)
        step.detail = result.to_dict()
        gates = [s.detail for s in record.steps if s.name.startswith("check_") and "suites" in s.detail]
        report = write_run_report(record.run_id, record.warehouse, record.started_at, gates)
        step.detail["report"] = str(report)
        outcome = "passed" if result.passed else "FAILED"
        try:
            step.detail["stored_rows"] = record_gate(record.run_id, result)
        except Exception as error:
            first_line = (str(error).strip().splitlines() or [""])[0]
            reason = redact(f"{type(error).__name__}: {first_line}")[:300]
            raise StepFailed(
                f"the {stage} gate {outcome}, but its results could not be stored in "
                f"{settings.REPORTS_DATASET}.{CHECK_RESULTS} ({reason}); the step fails rather than "
                f"leave a gate run unrecorded. Report: {report}\n{result.summary()}"
            ) from error
        if not result.passed:
            raise StepFailed(
                f"the {stage} gate failed; nothing was published. Report: {report}\n{result.summary()}"
            )
    return result


def freshness(record: RunRecord) -> None:
    """Source freshness by the sources YAML's declarations (``dbt source freshness``'s), read without a dbt
    process where the query is one of the project's (see ``source_freshness``): an error stops the run."""
    from .source_freshness import dbt_selectors, declared_checks, native_freshness

    with record.step("freshness") as step:
        checks = declared_checks(settings.extract_load_sources())
        results = native_freshness(checks)
        step.detail = {f"{r.source}.{r.table}": r.status for r in results}
        for result in results:
            if result.status != "pass":
                progress.warning("freshness %s: %s", result.status.upper(), result.describe())
        stale = [result.describe() for result in results if result.status == "error"]
        selectors = dbt_selectors(checks)
        if selectors and run_dbt("source", "freshness", "--select", *selectors).returncode != 0:
            stale.append(f"{', '.join(selectors)} (dbt source freshness, see the output above)")
        if stale:
            raise StepFailed(
                "a source is stale: "
                + "; ".join(stale)
                + ". Load it again (`make el`) or find why its loads fail"
            )
        warned = sum(result.status == "warn" for result in results)
        progress.info(
            "Freshness: %d declared tables checked, %d past their warning threshold", len(results), warned
        )


def transform(record: RunRecord) -> None:
    """``dbt build``: every model with its tests and unit tests, in dependency order."""
    with record.step("transform"):
        completed = run_dbt("build")
        if completed.returncode != 0:
            raise StepFailed("dbt build failed (see the output above); nothing was published")


def reconcile(record: RunRecord) -> dict[str, dict]:
    """Check that the audited marts hold every order, item, customer and cent the demo source produced."""
    from demo.data import read_manifest

    from .reconcile import reconcile_with_source

    with record.step("reconcile") as step:
        step.detail = reconcile_with_source(read_manifest(settings.data_dir()))
        differences = [
            f"{label}: source {r['source']}, marts {r['warehouse']}"
            for label, r in step.detail.items()
            if not r["equal"]
        ]
        if differences:
            raise StepFailed(
                "the marts do not reconcile with the source; nothing was published.\n  "
                + "\n  ".join(differences)
                + "\nIf this warehouse still holds an earlier demo data set (another SCALE, SEED or data folder),"
                " start afresh with `make reset` (add WAREHOUSE=postgres for Postgres)."
            )
    return step.detail


def compare_inputs(record: RunRecord, force: bool = False) -> bool:
    """Digest the run's inputs into the record; False when the published data was built from the same inputs
    (nothing to build, check or publish), unless ``force``."""
    from .inputs import published_inputs, run_inputs

    with record.step("compare_inputs") as step:
        record.inputs = run_inputs()
        published = published_inputs()
        unchanged = published is not None and published[1] == record.inputs
        step.detail = {
            "inputs": record.inputs,
            "published_run": published and published[0],
            "unchanged": unchanged,
        }
    if unchanged and not force:
        progress.info(
            "nothing changed since run %s, whose marts are published: the raw data of completed loads, the"
            " models, suites, tool versions and settings are the same. Nothing was built or published (--force"
            " runs every step).",
            published[0],
        )
        return False
    if unchanged:
        progress.info("nothing changed since run %s; --force: every step runs", published[0])
    return True


def publish_marts(record: RunRecord) -> dict[str, int]:
    """Publish the marts atomically (the pipeline runs the marts gate as the step before), with the digest of
    the run's inputs."""
    with record.step("publish") as step:
        publication = publish(record.run_id, record.inputs)
        step.detail = {"published_at": publication.published_at, "row_counts": publication.row_counts}
    return publication.row_counts


def raw_row_counts() -> dict[str, int]:
    """Rows per raw table (dlt's own tables left out), as ``dataset.table``."""
    by_dataset = _row_counts_by_schema(settings.raw_datasets(), with_dlt=False)
    return {f"{dataset}.{table}": n for dataset, counts in by_dataset.items() for table, n in counts.items()}


def published_row_counts() -> dict[str, int]:
    """Rows per published table."""
    return _row_counts_by_schema([settings.PUBLISHED_SCHEMA])[settings.PUBLISHED_SCHEMA]


def _row_counts_by_schema(schemas: Iterable[str], with_dlt: bool = True) -> dict[str, dict[str, int]]:
    """Rows per table of each schema (a metastore database on Spark), counted over one connection.

    ``with_dlt=False`` leaves dlt's own tables out.
    """

    def counted(tables: list[str]) -> list[str]:
        return [table for table in tables if with_dlt or not table.startswith("_dlt")]

    engine = current_engine()
    with engine.connect(read_only=True) as connection:
        return {
            schema: engine.row_counts(connection, schema, counted(engine.schema_tables(connection, schema)))
            for schema in schemas
        }


def docs_location() -> Path:
    """The self-contained docs page: dbt's static page with data-quality results on every node."""
    from .docs_site import PAGE

    return target_dir() / PAGE


def build_docs() -> Path:
    """Generate the dbt docs as one offline page with data quality added (``jaffle docs --serve`` serves it)."""
    from . import docs_site

    target = target_dir()
    docs_site.keep_test_results(target)
    if run_dbt("docs", "generate", "--static").returncode != 0:
        raise StepFailed("dbt docs generate failed (see the output above)")
    page = docs_site.add_data_quality(target)
    print(f"docs built: {page} (data quality: {target / docs_site.REPORT})")
    return page
