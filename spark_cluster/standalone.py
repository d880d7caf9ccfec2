"""A Spark standalone master and one worker on loopback, started as child processes and stopped by PID.

``python -m spark_cluster.standalone up|down [--work-dir DIR]`` does the same from a shell; the state (PIDs,
the master's URL, logs, the worker's folder) lives in the work folder.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from warehouse.process_groups import running, stop_group

from .environment import LOOPBACK, free_port, loopback_environment, require_prerequisites, spark_home

MASTER_CLASS = "org.apache.spark.deploy.master.Master"
WORKER_CLASS = "org.apache.spark.deploy.worker.Worker"
# The master's REST submission server would be one more listener; spark-submit uses the RPC port.
DAEMON_OPTIONS = {"SPARK_MASTER_OPTS": "-Dspark.master.rest.enabled=false", "SPARK_DAEMON_MEMORY": "256m"}


@dataclass(frozen=True)
class StandaloneCluster:
    """A running master and worker: where to submit, their PIDs, the master's web UI."""

    work_dir: Path
    master_url: str
    web_ui: str
    pids: dict[str, int]


def _launch(name: str, arguments: list[str], work_dir: Path, extra: dict[str, str]) -> int:
    """Start ``spark-class <arguments>`` in its own session, its output in ``<name>.log``; return its PID."""
    command = [str(spark_home() / "bin" / "spark-class"), *arguments]
    environment = (
        loopback_environment() | DAEMON_OPTIONS | {"SPARK_LOCAL_DIRS": str(work_dir / "local")} | extra
    )
    with open(work_dir / f"{name}.log", "ab") as log:
        process = subprocess.Popen(
            command, env=environment, stdout=log, stderr=log, stdin=subprocess.DEVNULL, start_new_session=True
        )
    (work_dir / "pids").mkdir(exist_ok=True)
    (work_dir / "pids" / f"{name}.pid").write_text(str(process.pid))
    return process.pid


def _alive_workers(web_ui: str) -> int:
    """How many workers the master lists as ALIVE (0 while its web UI does not answer yet)."""
    try:
        with urllib.request.urlopen(f"{web_ui}/json/", timeout=2) as response:
            state = json.load(response)
    except OSError:
        return 0
    return sum(worker.get("state") == "ALIVE" for worker in state.get("workers", []))


def start(
    work_dir: Path,
    cores: int = 1,
    memory: str = "1g",
    timeout: float = 180.0,
    environment: dict[str, str] | None = None,
) -> StandaloneCluster:
    """Start a master and a worker bound to 127.0.0.1 on free ports; return once the worker has registered.

    ``environment`` adds variables for both (and the executors the worker starts), e.g. JVM options.
    """
    extra = environment or {}
    require_prerequisites()
    work_dir.mkdir(parents=True, exist_ok=True)
    port, ui_port, worker_port, worker_ui_port = (free_port() for _ in range(4))
    master_url, web_ui = f"spark://{LOOPBACK}:{port}", f"http://{LOOPBACK}:{ui_port}"
    pids = {
        "master": _launch(
            "master",
            [MASTER_CLASS, "--host", LOOPBACK, "--port", str(port), "--webui-port", str(ui_port)],
            work_dir,
            extra,
        )
    }
    worker = [WORKER_CLASS, master_url, "--host", LOOPBACK, "--port", str(worker_port)]
    worker += ["--webui-port", str(worker_ui_port), "--cores", str(cores), "--memory", memory]
    pids["worker"] = _launch("worker", [*worker, "--work-dir", str(work_dir / "work")], work_dir, extra)
    cluster = StandaloneCluster(work_dir, master_url, web_ui, pids)
    (work_dir / "master_url").write_text(master_url)
    deadline = time.monotonic() + timeout
    while _alive_workers(web_ui) < 1:
        dead = [name for name, pid in pids.items() if not running(pid)]
        if dead or time.monotonic() > deadline:
            stop(work_dir)
            why = f"{', '.join(dead)} exited" if dead else f"no worker registered within {timeout:.0f} s"
            raise RuntimeError(f"Spark standalone cluster did not start ({why}); logs in {work_dir}")
        time.sleep(0.5)
    return cluster


def stop(work_dir: Path, timeout: float = 30.0) -> list[int]:
    """Stop the worker (and its executors), then the master, by their process groups; return the PIDs stopped."""
    stopped = []
    for name in ("worker", "master"):
        pid = stop_group(work_dir / "pids" / f"{name}.pid", timeout)
        if pid is not None:
            stopped.append(pid)
    return stopped


@contextmanager
def standalone_cluster(work_dir: Path, cores: int = 1, memory: str = "1g") -> Iterator[StandaloneCluster]:
    """A master and worker for the duration of the block, stopped however the block ends."""
    cluster = start(work_dir, cores, memory)
    try:
        yield cluster
    finally:
        stop(work_dir)


def main() -> None:
    """Parse ``up``/``down`` and run it."""
    parser = argparse.ArgumentParser(prog="python -m spark_cluster.standalone", description=__doc__)
    parser.add_argument("action", choices=["up", "down"])
    parser.add_argument("--work-dir", type=Path, default=Path("data/spark_cluster"))
    parser.add_argument("--cores", type=int, default=1)
    parser.add_argument("--memory", default="1g")
    arguments = parser.parse_args()
    if arguments.action == "up":
        cluster = start(arguments.work_dir.resolve(), arguments.cores, arguments.memory)
        print(f"master {cluster.master_url} (web UI {cluster.web_ui}), PIDs {cluster.pids}")
    else:
        print(f"stopped PIDs {stop(arguments.work_dir.resolve())}")


if __name__ == "__main__":
    main()
