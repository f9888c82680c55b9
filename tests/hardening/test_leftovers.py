"""No leftovers: every temporary file of a run lives in one temp dir, removed at exit and on signals.

The temp directory (TMPDIR) is listed before and after: screenshots taken without --evidence, the
demo's certificates (its CA private key), raw HAR/trace files must all be gone, also when the run is
stopped by SIGTERM or SIGHUP (which still print a partial report and exit 143 / 129).
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.hardening.conftest import ROOT, kmdiag_env, leftover_processes, run_kmdiag
from tests.hardening.hostile import Hostile, profile_yaml


def _listing(d: Path) -> list[str]:
    return sorted(str(p.relative_to(d)) for p in d.rglob("*"))


def test_order_demo_without_evidence_leaves_nothing(tmp_path: Path) -> None:
    before = _listing(tmp_path)
    run = run_kmdiag("order", "--demo", "--fault", "button-obscured", "--format", "json", "--timeout", "40",
                     env=kmdiag_env(TMPDIR=str(tmp_path)))
    assert run.code == 1, run.err[-500:]
    # No picture that would be gone when the report is read: none is listed, and the report says
    # how to keep one.
    assert not any(a["kind"] == "screenshot" for a in run.report["artifacts"])  # type: ignore[index]
    assert any("--evidence" in n for n in run.report["notes"]), run.report["notes"]  # type: ignore[index]
    assert _listing(tmp_path) == before == []
    # An HTML report embeds the picture: it is taken, inlined, and removed with the run's temp dir.
    html = run_kmdiag("order", "--demo", "--fault", "button-obscured", "--format", "html", "--timeout", "40",
                      env=kmdiag_env(TMPDIR=str(tmp_path)))
    assert html.code == 1, html.err[-500:]
    assert "data:image/png;base64," in html.out
    assert _listing(tmp_path) == []


@pytest.fixture(scope="module")
def hostile() -> Iterator[Hostile]:
    h = Hostile().start()
    yield h
    h.close()


@pytest.mark.parametrize("sig,code", [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_signal_mid_run_partial_report_and_clean(sig: int, code: int, tmp_path: Path, hostile: Hostile) -> None:
    work = tmp_path / "tmp"
    work.mkdir()
    prof = tmp_path / "hang.yaml"
    prof.write_text(profile_yaml(f"http://127.0.0.1:{hostile.port}", "hang", trusted="127.0.0.1:9"))
    env = kmdiag_env(TMPDIR=str(work), KMDIAG_HOSTILE_KEY="key-hostile-123", KMDIAG_HOSTILE_TOKEN="tok-123456")
    p = subprocess.Popen([sys.executable, "-m", "kmdiag", "payment", "KM1", "--profile", str(prof), "--timeout", "30",
                          "--format", "json", "--evidence", str(tmp_path / "ev")], cwd=ROOT, env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 20
    while len(hostile.hits) < 2 and p.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)  # the probes are waiting on the hanging server: mid-run
    hostile.hits.clear()
    p.send_signal(sig)
    out, err = p.communicate(timeout=30)
    assert p.returncode == code, err[-800:]
    assert "Traceback" not in err and "interrupted" in err
    report = json.loads(out)
    assert report["meta"]["interrupted"] is True and report["unfinished"]
    assert _listing(work) == []  # raw evidence, staging: gone


def test_sigint_at_start_up_is_not_silent(tmp_path: Path) -> None:
    marker = "KMDIAG_TEST_RUN=sigint-start"
    p = subprocess.Popen([sys.executable, "-m", "kmdiag", "payment", "--demo", "--format", "json"], cwd=ROOT,
                         env=kmdiag_env(TMPDIR=str(tmp_path), KMDIAG_TEST_RUN="sigint-start"),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 20
    while not list(tmp_path.glob("kmdiag-run-*")) and p.poll() is None and time.monotonic() < deadline:
        time.sleep(0.002)  # the CLI has started: its one temp dir exists
    p.send_signal(signal.SIGINT)
    _out, err = p.communicate(timeout=30)
    assert p.returncode == 130 and "interrupted" in err and "Traceback" not in err, (p.returncode, err)
    assert _listing(tmp_path) == []
    assert leftover_processes(marker) == []
