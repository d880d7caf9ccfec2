"""``python -m orchestration.local_airflow up|down``: a local Airflow on loopback, tracked and stopped by PID."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from settings import extras
from warehouse.process_groups import running, stop_group

from .airflow_env import airflow_environment
from .environment import airflow_home

AIRFLOW = str(Path(sys.executable).with_name("airflow"))
# No log server: the scheduler's would listen on every interface; task logs are files in the home.
COMPONENTS = {
    "api-server": ["api-server", "--host", "127.0.0.1"],
    "scheduler": ["scheduler", "--skip-serve-logs"],
    "dag-processor": ["dag-processor"],
}


def _pid_file(home: Path, name: str) -> Path:
    """Where a component's PID is kept."""
    return home / "pids" / f"{name}.pid"


def up(port: int) -> None:
    """Migrate the metadata database, start each component in its own session."""
    extras.require("airflow", install=True)  # Airflow itself, installed on first use
    home = airflow_home()
    (home / "pids").mkdir(parents=True, exist_ok=True)
    environment = airflow_environment(home) | {
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
    }
    subprocess.run([AIRFLOW, "db", "migrate"], env=environment, check=True, capture_output=True)
    for name, arguments in COMPONENTS.items():
        pid_file = _pid_file(home, name)
        if pid_file.exists() and running(int(pid_file.read_text())):
            print(f"{name} already running (pid {pid_file.read_text()})")
            continue
        command = [AIRFLOW, *arguments] + (["--port", str(port)] if name == "api-server" else [])
        with open(home / f"{name}.log", "ab") as log:
            process = subprocess.Popen(
                command, env=environment, stdout=log, stderr=log, start_new_session=True
            )
        pid_file.write_text(str(process.pid))
        print(f"{name} started (pid {process.pid}, log {home / f'{name}.log'})")
    print(
        f"Airflow UI: http://127.0.0.1:{port} (users and passwords: {home}/simple_auth_manager_passwords.json.generated)"
    )


def down(timeout: float = 30.0) -> None:
    """Stop each component's process group by the PID recorded at start: TERM, then KILL after ``timeout``."""
    home = airflow_home()
    for name in COMPONENTS:
        pid = stop_group(_pid_file(home, name), timeout)
        if pid is not None:
            print(f"{name} stopped (pid {pid})")


def main() -> None:
    """Parse ``up``/``down`` and run it."""
    parser = argparse.ArgumentParser(prog="python -m orchestration.local_airflow", description=__doc__)
    parser.add_argument("action", choices=["up", "down"])
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8081")))
    arguments = parser.parse_args()
    try:
        up(arguments.port) if arguments.action == "up" else down()
    except extras.MissingExtra as error:
        sys.exit(f"FAILED: {error}")


if __name__ == "__main__":
    main()
