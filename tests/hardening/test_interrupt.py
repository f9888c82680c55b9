"""Ctrl-C: exit 130, a partial report still written, no traceback, no browser left behind."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

from tests.hardening.conftest import ROOT, kmdiag_env, leftover_processes


def _interrupt(args: list[str], after: float) -> tuple[subprocess.Popen[str], str, str, str]:
    marker = uuid.uuid4().hex
    p = subprocess.Popen([sys.executable, "-m", "kmdiag", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, cwd=ROOT, env=kmdiag_env(KMDIAG_TEST_RUN=marker))
    # Mid-run, event-driven (a loaded machine starts slowly): kmdiag has started Chromium (the probes
    # run; Playwright's driver alone is no sign of it: the pre-launch spawns it during start-up)...
    deadline = time.monotonic() + 30
    while p.poll() is None and time.monotonic() < deadline and \
            not any("chromium" in x for x in leftover_processes(f"KMDIAG_TEST_RUN={marker}")):
        time.sleep(0.05)
    time.sleep(after)  # ...and a moment more
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=30)
    return p, out, err, f"KMDIAG_TEST_RUN={marker}"


def test_sigint_mid_run_writes_partial_report(tmp_path: Path) -> None:
    report_path = tmp_path / "report.json"
    p, out, err, marker = _interrupt(["order", "--demo", "--fault", "request-timeout", "--timeout", "20",
                                      "--format", "json", "--output", str(report_path)], after=0.5)
    assert p.returncode == 130, err
    assert "Traceback" not in out + err
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert report["status"] in ("problem", "inconclusive")
    assert report["unfinished"], "an interrupted run names what it did not finish"
    assert "interrupted" in err
    time.sleep(0.3)  # Chromium's last children exit just after their parent
    assert leftover_processes(marker) == []


def test_sigint_while_the_demo_starts_is_130_and_cleans_up(tmp_path: Path) -> None:
    """Ctrl-C before any probe runs: no report to write yet, but still 130, no traceback, no litter."""
    marker = uuid.uuid4().hex
    p = subprocess.Popen([sys.executable, "-m", "kmdiag", "order", "--demo", "--timeout", "20", "--format", "json"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                         env=kmdiag_env(KMDIAG_TEST_RUN=marker, TMPDIR=str(tmp_path)))
    deadline = time.monotonic() + 20
    while not list(tmp_path.glob("kmdiag-run-*/demo-*")) and p.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)  # the demo's temp dir appears as it starts: kmdiag's own code is running
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=30)
    assert p.returncode == 130, err
    assert "Traceback" not in out + err
    assert "interrupted" in err  # never silent
    assert not list(tmp_path.iterdir())  # the run's one temp dir (demo certificates and all) is gone
    assert leftover_processes(f"KMDIAG_TEST_RUN={marker}") == []
