"""Configuration is read once, the way dlt reads it, from any working directory, and never prints secrets."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import settings

PROBE = (
    "import settings; c = settings.postgres_credentials('loader');"
    "print(c.database, c.password == 'from-the-secrets-file', c.role, repr(c))"
)


def _run_probe(cwd: Path, environment: dict[str, str]) -> str:
    """Resolve the Postgres credentials in a fresh interpreter."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DESTINATION__", "DLT_PROJECT_DIR"))}
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=cwd,
        env={**clean, **environment},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def test_credentials_come_from_the_secrets_file_and_env_overrides_it(tmp_path: Path):
    (tmp_path / ".dlt").mkdir()
    (tmp_path / ".dlt" / "secrets.toml").write_text(
        '[destination.postgres.credentials]\ndatabase = "from_file"\npassword = "from-the-secrets-file"\n'
    )
    project = {"DLT_PROJECT_DIR": str(tmp_path)}
    from_file = _run_probe(tmp_path, project)
    assert from_file.startswith("from_file True jaffle_loader")
    assert "from-the-secrets-file" not in from_file, "the password must not appear in the repr"
    overridden = _run_probe(tmp_path, {**project, "DESTINATION__POSTGRES__CREDENTIALS__DATABASE": "from_env"})
    assert overridden.startswith("from_env True")


def test_the_project_config_is_found_from_any_working_directory(tmp_path: Path):
    probe = "import dlt, extract_load; print(dlt.config.get('sources.jaffle_api.base_url'))"
    clean = {k: v for k, v in os.environ.items() if k != "DLT_PROJECT_DIR"}
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, env=clean, capture_output=True, text=True
    )
    assert result.stdout.strip() == "https://jaffle-shop.scalevector.ai/api/v1"


def test_roles_can_be_switched_off_and_bad_role_names_are_refused(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("JAFFLE_PG_ROLES", "off")
    assert settings.postgres_credentials("reader").role is None
    monkeypatch.setenv("JAFFLE_PG_ROLES", "on")
    monkeypatch.setenv("JAFFLE_PG_READER_ROLE", "reader; drop table x")
    with pytest.raises(ValueError, match="plain lower-case role name"):
        settings.postgres_credentials("reader")


def test_an_unknown_warehouse_is_a_clear_error(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("WAREHOUSE", "oracle")
    with pytest.raises(ValueError, match="choose one of duckdb, postgres"):
        settings.warehouse_name()
