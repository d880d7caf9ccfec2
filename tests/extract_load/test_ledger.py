"""The row ledger: counts, quarantine items and the reconciliation verdict."""

from __future__ import annotations

from extract_load.ledger import MAX_RAW_TEXT, QUARANTINE_TABLE, ReconciliationError, RowLedger


def test_reconciliation_balances_only_when_every_row_is_accounted_for() -> None:
    ledger = RowLedger()
    ledger.count_read("orders", 10)
    ledger.quarantine("orders", "orders.csv:3", "x", "bad")
    balances = {b.table: b for b in ledger.reconcile({"orders": 9})}
    assert balances["orders"].balanced
    assert not {b.table: b for b in ledger.reconcile({"orders": 8})}["orders"].balanced


def test_quarantine_items_keep_undecodable_bytes_and_nul_visible() -> None:
    item = RowLedger().quarantine("t", "f.csv:2", b"a\xff\x00b", "bad encoding")
    [row] = item.data
    assert row["raw_text"] == "a\\xff\\x00b"
    assert (row["table_name"], row["origin"], row["reason"]) == ("t", "f.csv:2", "bad encoding")
    assert item.meta.hints["table_name"] == QUARANTINE_TABLE and item.meta.create_table_variant


def test_long_raw_text_is_cut_and_the_reason_says_so() -> None:
    item = RowLedger().quarantine("t", "f.jsonl:1", "x" * (MAX_RAW_TEXT + 5), "not JSON")
    [row] = item.data
    assert len(row["raw_text"]) == MAX_RAW_TEXT
    assert row["reason"].startswith("not JSON (raw text cut at")


def test_the_error_names_every_unbalanced_table() -> None:
    ledger = RowLedger()
    ledger.count_read("a", 3)
    ledger.count_read("b", 2)
    error = ReconciliationError("src", [b for b in ledger.reconcile({"a": 3, "b": 1}) if not b.balanced])
    assert "b: read 2, loaded 1, quarantined 0" in str(error) and "a:" not in str(error)
