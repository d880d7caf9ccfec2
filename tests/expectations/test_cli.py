"""``python -m expectations``: the summary on stdout, exit 0 when the gate passes and 1 when it fails."""

from __future__ import annotations

import json

import pytest

from expectations.__main__ import main

pytestmark = pytest.mark.slow  # gates through the command line on both engines: not in make test-fast


def test_the_cli_passes_on_good_marts_and_fails_on_bad_ones(backend, capsys):
    assert main(["--stage", "marts"]) == 0
    assert capsys.readouterr().out.startswith("marts gate passed")
    assert main(["--stage", "marts", "--schema", "bad_marts"]) == 1
    output = capsys.readouterr().out
    assert output.startswith("marts gate FAILED") and "FAIL marts__orders (bad_marts.orders" in output


def test_the_cli_prints_the_json_record(backend, capsys):
    assert main(["--stage", "raw", "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["passed"] is True and record["stage"] == "raw" and record["evaluated"] > 0


def test_the_cli_rejects_a_schema_for_the_raw_stage(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--stage", "raw", "--schema", "x"])
    assert exit_info.value.code == 2
