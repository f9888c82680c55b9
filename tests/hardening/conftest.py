"""Fixtures for the hardening tests: the hostile server, and kmdiag run as a real process.

Runs are subprocesses on purpose: "the run ends inside --timeout" is about the whole process
(interpreter start, the demo's stop, Chromium's exit), and a regression that hangs must fail the
test, not hang the suite. Every run only ever talks to 127.0.0.1: IP-literal targets, loopback
resolvers, the demo's hosts, and Chromium under KMDIAG_BROWSER_LOCKDOWN=1.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.hardening.hostile import Hostile

ROOT = Path(__file__).resolve().parents[2]
PEAK = Path(__file__).resolve().parent / "_peak.py"


@dataclass
class Run:
    code: int
    out: str
    err: str
    wall: float
    marker: str
    report: dict[str, Any] | None = field(default=None)

    @property
    def peak_mb(self) -> float | None:
        for line in self.err.splitlines():
            if line.startswith("KMDIAG_PEAK_RSS_KB="):
                return int(line.split("=", 1)[1]) / 1024
        return None


def leftover_processes(marker: str) -> list[str]:
    """Live processes (not zombies) whose environment carries ``marker``: what a run left behind."""
    found = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            env = (d / "environ").read_bytes()
            if marker.encode() not in env:
                continue
            state = (d / "stat").read_text().rsplit(")", 1)[1].split()[0]
            if state != "Z":
                found.append(f"{d.name} {(d / 'cmdline').read_bytes()[:120]!r}")
        except OSError:
            continue
    return found


def kmdiag_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env.update(NO_PROXY="*", KMDIAG_BROWSER_LOCKDOWN="1", KMDIAG_LANG="en", PYTHONPATH=str(ROOT), **extra)
    return env


def run_kmdiag(*args: str, env: dict[str, str] | None = None, peak: bool = False, kill_after: float = 60) -> Run:
    """``python -m kmdiag ARGS`` (or the peak-memory wrapper); wall time from spawn to exit."""
    marker = f"KMDIAG_TEST_RUN={uuid.uuid4().hex}"
    k, v = marker.split("=")
    cmd = [sys.executable, str(PEAK)] if peak else [sys.executable, "-m", "kmdiag"]
    started = time.monotonic()
    p = subprocess.run([*cmd, *args], capture_output=True, text=True, cwd=ROOT,
                       env={**(env or kmdiag_env()), k: v}, timeout=kill_after)
    run = Run(p.returncode, p.stdout, p.stderr, time.monotonic() - started, marker)
    try:
        run.report = json.loads(p.stdout)
    except ValueError:
        pass
    return run


def assert_clean(run: Run, timeout: float, codes: tuple[int, ...] = (0, 1, 3)) -> dict[str, Any]:
    """The non-negotiables of any run: contract exit code, a JSON report, no traceback, on time."""
    assert "Traceback" not in run.out + run.err, run.err[-2000:]
    assert run.code in codes, (run.code, run.err[-1000:])
    assert run.report is not None and run.report.get("status") in ("ok", "problem", "inconclusive"), run.out[:500]
    assert isinstance(run.report.get("unfinished"), list)
    # The one place a time bound is the behaviour under test: the run ends inside --timeout. The
    # margin covers interpreter start-up and exit, which the budget cannot include.
    assert run.wall < timeout + 1.5, f"took {run.wall:.2f}s with --timeout {timeout}"
    return run.report


@pytest.fixture(scope="module")
def hostile() -> Iterator[Hostile]:
    h = Hostile().start()
    try:
        yield h
    finally:
        h.close()
