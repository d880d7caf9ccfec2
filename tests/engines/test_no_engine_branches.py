"""No code outside the engine package asks which engine it holds: engine differences live in ``engines/``."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENGINE_NAMES = "duckdb|postgres|spark"
# The engine's name compared, tested for membership or used as a key to pick behaviour.
BRANCHES = (
    re.compile(r"warehouse_name\(\)"),  # only the engine chooser reads the setting
    re.compile(rf"(==|!=)\s*['\"]({ENGINE_NAMES})['\"]"),
    re.compile(rf"['\"]({ENGINE_NAMES})['\"]\s*(==|!=)"),
    re.compile(rf"['\"]({ENGINE_NAMES})['\"]\s+(not\s+)?in\s+(?!\()"),
    re.compile(rf"\bin\s+[\(\[\{{]\s*['\"]({ENGINE_NAMES})['\"]\s*,"),
    re.compile(r"engine(\(\))?\.name\s*(==|!=|in\b|not\s+in\b)"),
    re.compile(r"\.backend\b"),
)
# The setting itself and the engines are where the name may be read; tests pick engines on purpose.
ALLOWED = ("engines/", "tests/", "settings/__init__.py", ".venv/")


def project_sources() -> list[Path]:
    """Every Python file of the project's packages, outside the engine package and the tests."""
    files = []
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith(ALLOWED) or "/." in f"/{relative}" or "dbt_packages" in relative:
            continue
        files.append(path)
    return files


def engine_branches(text: str) -> list[str]:
    """The lines of a source that branch on the engine's name."""
    return [line.strip() for line in text.splitlines() if any(p.search(line) for p in BRANCHES)]


def test_the_patterns_catch_every_form_of_asking_the_engine_name() -> None:
    caught = [
        'if settings.warehouse_name() == "postgres":',
        "lock = a if warehouse_name() in ('duckdb', 'spark') else b",
        'if engine == "spark" and command not in COMMANDS:',
        'read_only = "duckdb" != name',
        'if "postgres" in engines:',
        'if name in ("duckdb", "postgres"):',
        'if current_engine().name == "duckdb":',
        'add = a if connection.backend == "postgres" else b',
    ]
    assert [line for line in caught if not engine_branches(line)] == []
    kept = [
        'folder / f"{engine.name}-{digest}"',
        'environment["WAREHOUSE"] = engine.name',
        'url = "duckdb:///x"',
    ]
    assert engine_branches("\n".join(kept)) == []


def test_no_engine_name_is_compared_outside_the_engine_package() -> None:
    files = project_sources()
    assert any(path.parts[-2:] == ("warehouse", "cli.py") for path in files), (
        "the project's sources are scanned"
    )
    found = {
        path.relative_to(ROOT).as_posix(): lines
        for path in files
        if (lines := engine_branches(path.read_text(encoding="utf-8")))
    }
    assert found == {}, "ask the engine (engines.current_engine()) or its capabilities instead"
