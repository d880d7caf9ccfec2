"""A Spark standalone master and worker on loopback: a job runs on them, nothing listens beyond 127.0.0.1,
and stopping them by PID leaves no process and no port behind."""

from __future__ import annotations

import ipaddress
import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from rehearsal_driver import rehearsal_command, rehearsal_environment, require_spark_prerequisites

from spark_cluster import standalone
from spark_cluster.environment import SHORT_LIVED_JVM
from spark_cluster.rehearsal import expected_groups

pytestmark = pytest.mark.slow
EXECUTOR_CLASS = "org.apache.spark.executor.CoarseGrainedExecutorBackend"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[standalone.StandaloneCluster]:
    """One master and one worker (1 core, 1 GiB) for the module, stopped at its end whatever happened."""
    require_spark_prerequisites()
    work_dir = tmp_path_factory.mktemp("spark_standalone")
    cluster = standalone.start(work_dir, environment=SHORT_LIVED_JVM)
    try:
        yield cluster
    finally:
        standalone.stop(work_dir)


def _tree(pid: int) -> list[psutil.Process]:
    """The process and all its descendants (empty once it is gone)."""
    try:
        process = psutil.Process(pid)
        return [process, *process.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def _listeners(processes: list[psutil.Process]) -> dict[int, set[tuple[str, int]]]:
    """Listening TCP addresses per PID."""
    found: dict[int, set[tuple[str, int]]] = {}
    for process in processes:
        try:
            connections = process.net_connections(kind="tcp")
        except (psutil.NoSuchProcess, psutil.ZombieProcess):
            continue
        listening = {(c.laddr.ip, c.laddr.port) for c in connections if c.status == psutil.CONN_LISTEN}
        found.setdefault(process.pid, set()).update(listening)
    return found


def _is_loopback(address: str) -> bool:
    """127.0.0.0/8 or ::1, also written as an IPv4-mapped IPv6 address."""
    parsed = ipaddress.ip_address(address)
    mapped = getattr(parsed, "ipv4_mapped", None)
    return (mapped or parsed).is_loopback


def test_job_runs_on_the_cluster_and_everything_listens_on_loopback_only(
    cluster: standalone.StandaloneCluster, tmp_path: Path
) -> None:
    """A driver process submits a groupBy to the master; its result is right and it ran on the worker's executor.

    While it runs, the listening sockets of the master, the worker, the executor it launches and the driver are
    sampled: every one is bound to loopback.
    """
    driver = subprocess.Popen(
        rehearsal_command("job", "--master", cluster.master_url),
        cwd=tmp_path,
        env=rehearsal_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    listeners: dict[int, set[tuple[str, int]]] = {}
    executors: set[int] = set()
    deadline = time.monotonic() + 300
    while driver.poll() is None and time.monotonic() < deadline:
        for pid in (*cluster.pids.values(), driver.pid):
            tree = _tree(pid)
            for process in tree:
                try:
                    if EXECUTOR_CLASS in process.cmdline():
                        executors.add(process.pid)
                except psutil.NoSuchProcess:
                    pass
            for found_pid, addresses in _listeners(tree).items():
                listeners.setdefault(found_pid, set()).update(addresses)
        time.sleep(1)
    if driver.poll() is None:
        driver.kill()
    stdout, stderr = driver.communicate()
    assert driver.returncode == 0, stderr[-4000:]
    result = json.loads(stdout.strip().splitlines()[-1])

    assert result["master"] == cluster.master_url
    assert result["executors"] == 1
    assert result["groups"] == expected_groups()
    assert executors, "no executor process was seen under the worker"
    assert any(listeners.get(pid) for pid in executors), "the executor's sockets were not sampled"
    for pid in cluster.pids.values():
        assert listeners.get(pid), f"no listening socket sampled for cluster PID {pid}"
    exposed = {
        pid: sorted(a for a in addresses if not _is_loopback(a[0])) for pid, addresses in listeners.items()
    }
    assert not any(exposed.values()), f"listening beyond loopback: {exposed}"


def test_stop_leaves_no_process_and_no_port(cluster: standalone.StandaloneCluster) -> None:
    """Stopping by PID ends the master, the worker and anything they started; their ports are free again."""
    processes = [process for pid in cluster.pids.values() for process in _tree(pid)]
    ports = {port for addresses in _listeners(processes).values() for _, port in addresses}
    assert len(processes) >= 2 and ports

    stopped = standalone.stop(cluster.work_dir)

    assert sorted(stopped) == sorted(cluster.pids.values())
    survivors = [p.pid for p in processes if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    assert not survivors, f"still running after stop: {survivors}"
    still_bound = [
        c
        for c in psutil.net_connections(kind="tcp")
        if c.status == psutil.CONN_LISTEN and c.laddr.port in ports
    ]
    assert not still_bound, still_bound
    assert not list((cluster.work_dir / "pids").glob("*.pid"))
