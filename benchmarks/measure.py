"""Run a command as a child process and measure its wall time and peak resident memory (``wait4``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from settings import PROJECT_ROOT


@dataclass
class Measurement:
    """One timed stage: wall seconds of the process, the stage's own seconds, peak memory, rows, detail."""

    stage: str
    engine: str
    scale: int
    wall_seconds: float
    seconds: float
    peak_mib: float
    rows: int | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def rows_per_second(self) -> float | None:
        """Throughput on the stage's own seconds."""
        return round(self.rows / self.seconds) if self.rows and self.seconds > 0 else None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable copy with the throughput."""
        return {**asdict(self), "rows_per_second": self.rows_per_second}


class StageFailed(RuntimeError):
    """A stage's process exited non-zero."""


def run_child(command: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Run ``command``; return wall seconds, peak RSS in MiB (the process and its children) and stdout."""
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True, cwd=PROJECT_ROOT)
    stdout = process.stdout.read() if process.stdout else ""
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    if process.returncode != 0:
        raise StageFailed(f"{' '.join(command[:4])} exited {process.returncode}:\n{stdout[-2000:]}")
    return wall, usage.ru_maxrss / 1024, stdout


def run_stage(stage: str, engine: str, scale: int, args: dict, env: dict[str, str]) -> Measurement:
    """One stage of ``benchmarks.stage`` in its own process."""
    command = [sys.executable, "-m", "benchmarks.stage", stage, json.dumps(args)]
    wall, peak, stdout = run_child(command, env)
    result = json.loads(stdout.strip().splitlines()[-1])
    return Measurement(
        stage, engine, scale, round(wall, 3), round(result["seconds"], 3), round(peak, 1),
        result.get("rows"), result.get("detail", {}),
    )  # fmt: skip


def run_cli(stage: str, engine: str, scale: int, arguments: list[str], env: dict[str, str]) -> Measurement:
    """One ``jaffle`` command of the pipeline; its seconds are the process's wall time."""
    command = [str(Path(sys.executable).with_name("jaffle")), *arguments]
    wall, peak, _ = run_child(command, env)
    return Measurement(stage, engine, scale, round(wall, 3), round(wall, 3), round(peak, 1))
