"""Write-audit-publish on both engines: every gate trap blocks the publish and leaves readers' data as it was.

dbt builds the marts (the audit stage), the marts gate validates them, and only a passing gate publishes.
Each trap below is set on the built marts, `jaffle publish` must fail, and the published schema (and, on
DuckDB, the readers' snapshot file, byte for byte) must be unchanged; then the trap is undone. A
warning-only failure publishes.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from published_data import published_fingerprint

import settings
from expectations import gate as gate_module
from expectations.suites import table_suite
from warehouse.cli import main
from warehouse.connection import connect, quote

pytestmark = pytest.mark.slow

TRAPPED_MARTS = ("orders", "products", "store_daily_revenue")


def execute(*statements: str) -> None:
    """Run statements on the warehouse as the transformer and commit."""
    with connect() as connection:
        cursor = connection.cursor()
        for statement in statements:
            cursor.execute(statement)
        connection.commit()


def published_state() -> dict[str, str]:
    """Every published table's fingerprint, the publication row included, plus the DuckDB snapshot's bytes."""
    state = published_fingerprint(with_publication=True)
    if settings.warehouse_name() == "duckdb":
        state["snapshot file"] = hashlib.sha256(settings.published_snapshot_path().read_bytes()).hexdigest()
    return state


@contextmanager
def marts_restored() -> Iterator[None]:
    """Keep a copy of the trapped marts and put them back afterwards, whatever the trap did."""
    for table in TRAPPED_MARTS:
        execute(f"create table {quote('marts', table + '__kept')} as select * from {quote('marts', table)}")
    try:
        yield
    finally:
        for table in TRAPPED_MARTS:
            execute(
                f"drop table if exists {quote('marts', table)}",
                f"create table {quote('marts', table)} as select * from {quote('marts', table + '__kept')}",
                f"drop table {quote('marts', table + '__kept')}",
            )


def _no_expectations(stage: str, schema_map: object = None) -> list:
    """A stage whose only suite declares nothing."""
    return [table_suite("marts", "orders", [])]


def _raise(*args: object, **kwargs: object) -> None:
    """A check that blows up inside Great Expectations."""
    raise RuntimeError("boom inside a check")


SQL_TRAPS: dict[str, list[str]] = {
    "a failed critical expectation": ["update marts.orders set order_total = order_total + 1000"],
    "an empty table": ["delete from marts.store_daily_revenue"],
    "a missing column": ["alter table marts.products drop column product_price"],
}
PATCH_TRAPS: dict[str, tuple[str, Callable]] = {
    "an empty suite": ("stage_suites", _no_expectations),
    "no suite at all": ("stage_suites", lambda stage, schema_map=None: []),
    "an exception inside a check": ("validate_suite", _raise),
}


def test_every_trap_blocks_the_publish_and_a_warning_does_not(
    warehouse: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--scale", "0.02", "--seed", "11"]) == 0
    published = published_state()
    for trap, statements in SQL_TRAPS.items():
        with marts_restored():
            execute(*statements)
            assert main(["publish"]) == 1, f"{trap} must block the publish"
            assert "the marts gate failed" in capsys.readouterr().err, trap
            assert published_state() == published, f"{trap} changed what readers see"
    for trap, (name, replacement) in PATCH_TRAPS.items():
        with monkeypatch.context() as patch:
            patch.setattr(gate_module, name, replacement)
            assert main(["publish"]) == 1, f"{trap} must block the publish"
        assert "the marts gate failed" in capsys.readouterr().err, trap
        assert published_state() == published, f"{trap} changed what readers see"

    # Totals a hundred times larger still add up and stay >= 0: only the warning-level mean fails.
    with marts_restored():
        execute(
            "update marts.orders set subtotal = subtotal * 100, tax_paid = tax_paid * 100, order_total = order_total * 100"
        )
        assert main(["publish"]) == 0, capsys.readouterr().err
        assert re.search(
            r"marts +passed: .*, 0 critical failures, [1-9]\d* warnings", capsys.readouterr().out
        )
        assert published_state() != published, "a warning-only gate publishes"
