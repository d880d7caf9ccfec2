"""Configuration is read once, the way dlt reads it, from any working directory, and never prints secrets."""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
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
    # A project folder of one's own holds the whole configuration: the settings' defaults and the secrets.
    shutil.copy(Path(settings.__file__).resolve().parent.parent / ".dlt" / "config.toml", tmp_path / ".dlt")
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
    monkeypatch.setenv("POSTGRES__ROLES", "off")
    assert settings.postgres_credentials("reader").role is None
    monkeypatch.setenv("POSTGRES__ROLES", "on")
    monkeypatch.setenv("POSTGRES__READER_ROLE", "reader; drop table x")
    with pytest.raises(ValueError, match="plain lower-case role name"):
        settings.postgres_credentials("reader")


def test_an_unknown_warehouse_is_a_clear_error(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("WAREHOUSE", "oracle")
    with pytest.raises(ValueError, match="choose one of duckdb, postgres"):
        settings.warehouse_name()


def test_settings_are_read_once_and_again_only_when_the_environment_changes(monkeypatch: pytest.MonkeyPatch):
    from settings import project

    first = project.current()
    assert project.current() is first, "an unchanged environment must not read the settings again"
    monkeypatch.setenv("DEMO__SEED", "7")
    changed = project.current()
    assert changed is not first and changed.demo_seed == 7
    with pytest.raises(dataclasses.FrozenInstanceError):
        changed.demo_seed = 8  # type: ignore[misc]


def test_each_setting_is_overridden_by_its_dlt_named_variable(monkeypatch: pytest.MonkeyPatch):
    from settings import project

    defaults = project.load()
    assert (
        defaults.demo_scale,
        defaults.row_count_drift.spike_factor,
        defaults.spark.shuffle_partitions,
    ) == (
        0.1,
        3.0,
        defaults.spark.shuffle_partitions,
    )
    monkeypatch.setenv("DEMO__SCALE", "2.5")
    monkeypatch.setenv("EXPECTATIONS__ROW_SPIKE_FACTOR", "4")
    monkeypatch.setenv("SPARK__SHUFFLE_PARTITIONS", "3")
    monkeypatch.setenv("ORCHESTRATION__LEASE_SECONDS", "90")
    monkeypatch.setenv("POSTGRES__LOADER_ROLE", "etl_loader")
    overridden = project.load()
    assert overridden.demo_scale == 2.5
    assert overridden.row_count_drift.spike_factor == 4.0
    assert overridden.spark.shuffle_partitions == 3
    assert overridden.orchestration.lease_seconds == 90.0
    assert overridden.postgres_role_names["loader"] == "etl_loader"


def test_relative_paths_are_relative_to_the_project_not_the_working_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    from settings import project

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PROJECT__DATA_DIR", "some/run")
    monkeypatch.delenv("DESTINATION__DUCKDB__CREDENTIALS", raising=False)
    monkeypatch.delenv("SPARK__LAKE_URL", raising=False)
    loaded = project.load()
    assert loaded.data_dir == project.PROJECT_ROOT / "some" / "run"
    assert loaded.duckdb_path == loaded.data_dir / "warehouse.duckdb"
    assert loaded.event_logs_dir.is_relative_to(project.PROJECT_ROOT)


def test_a_retired_variable_is_an_error_naming_its_replacement(monkeypatch: pytest.MonkeyPatch):
    from settings import project

    monkeypatch.setenv("JAFFLE_DATA_DIR", "/tmp/elsewhere")
    with pytest.raises(
        project.SettingsError, match="JAFFLE_DATA_DIR is no longer read: set PROJECT__DATA_DIR"
    ):
        project.load()


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("DEMO__SCALE", "lots", r"demo.scale \(DEMO__SCALE\) = 'lots' is not a number"),
        ("ORCHESTRATION__EL_RETRIES", "-1", r"EL_RETRIES\) = '-1' must be at least 0"),
        ("POSTGRES__ROLES", "maybe", r"postgres.roles \(POSTGRES__ROLES\) = 'maybe' is not true or false"),
    ],
    ids=["not-a-number", "below-minimum", "not-a-flag"],
)
def test_a_bad_setting_names_its_key_and_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, message: str
):
    from settings import project

    monkeypatch.setenv(variable, value)
    with pytest.raises(project.SettingsError, match=message):
        project.load()


def test_dbt_profiles_hold_no_defaults_of_their_own():
    """Settings have one home: the profile reads only what the command line hands dbt, never a fallback."""
    profiles = (Path(settings.__file__).resolve().parent.parent / "dbt_project" / "profiles.yml").read_text()
    calls = re.findall(r"env_var\(([^)]*)\)", profiles)
    assert calls, "the profile reads its connection from the environment"
    with_default = [call for call in calls if "," in call]
    assert not with_default, f"profiles.yml falls back to defaults of its own: {with_default}"
