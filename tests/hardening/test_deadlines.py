"""Every run ends inside ``--timeout`` (plus start-up): hostile log files, a slow stdin, a stalled TLS handshake.

Real processes, because "ends in time" is about the whole process: a thread stuck in a read, or an
executor that shutdown waits for, shows only there.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.hardening.conftest import ROOT, assert_clean, kmdiag_env, run_kmdiag
from tests.security.capture import Capture, profile_yaml

SECRETS = {"KMDIAG_CAPTURE_ADMIN": "adm-token-123456", "KMDIAG_CAPTURE_KEY": "merchant-key-123456"}
GRACE = 1.5  # interpreter start-up and exit, which the budget cannot include (docs/reliability.md)


@pytest.fixture(scope="module")
def capture() -> Iterator[Capture]:
    c = Capture().start()
    yield c
    c.close()


def _profile(tmp_path: Path, base: str, **payment: object) -> str:
    doc = json.loads(profile_yaml(base))
    doc["payment"].update(payment)
    p = tmp_path / "p.yaml"
    p.write_text(json.dumps(doc))
    return str(p)


def _log(kind: str, tmp_path: Path) -> str:
    if kind == "fifo":
        p = tmp_path / "callback.log"
        os.mkfifo(p)
        return str(p)
    if kind == "big":  # 8 GiB, sparse: no disk used, and no newline in it
        p = tmp_path / "big.log"
        with open(p, "wb") as f:
            f.truncate(8 << 30)
        return str(p)
    return kind


@pytest.mark.parametrize("kind", ["fifo", "/dev/zero", "big"])
def test_hostile_callback_logs(kind: str, capture: Capture, tmp_path: Path) -> None:
    log = _log(kind, tmp_path)
    prof = _profile(tmp_path, capture.base, callback_log={"files": [log]})
    run = run_kmdiag("payment", "KM0001", "--profile", prof, "--timeout", "6", "--format", "json",
                     "--only", "payment", env=kmdiag_env(**SECRETS))
    report = assert_clean(run, 6.0, codes=(0, 1, 3))
    text = json.dumps(report)
    if kind != "big":
        assert "not a regular file" in text, text[:2000]
    else:
        assert "time budget spent" in text or "did not finish in time" in text, text[:2000]


def test_slow_stdin_orders(capture: Capture, tmp_path: Path) -> None:
    prof = _profile(tmp_path, capture.base)
    env = {**kmdiag_env(**SECRETS)}
    started = time.monotonic()
    p = subprocess.Popen([sys.executable, "-m", "kmdiag", "payment", "--sweep", "--orders-file", "-", "--profile", prof,
                          "--timeout", "3", "--format", "json"], cwd=ROOT, env=env, stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert p.stdin is not None
    p.stdin.write(b"KM0001\n")
    p.stdin.flush()  # ... and then nothing more: the writer stalls, stdin stays open
    try:
        p.wait(timeout=10)  # a run that waited for stdin would be killed here, and fail below
    finally:
        wall = time.monotonic() - started
        p.stdin.close()
    out = p.stdout.read().decode() if p.stdout else ""
    err = p.stderr.read().decode() if p.stderr else ""
    assert wall < 3 + GRACE, wall
    assert "Traceback" not in err
    summary = [json.loads(x) for x in out.splitlines() if x.strip()][-1]
    assert summary["type"] == "summary" and summary["input"].get("unread") is True
    assert summary["total"] == 1


@pytest.fixture
def stalled_tls() -> Iterator[int]:
    """A port whose TCP connect succeeds (backlog) and whose TLS handshake never gets an answer."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.2", 0))  # another loopback address than the shop's: no profile re-rooting onto it
    s.listen(16)
    try:
        yield s.getsockname()[1]
    finally:
        s.close()


@pytest.mark.parametrize("timeout", [2.0])
def test_renotify_against_stalled_tls(capture: Capture, tmp_path: Path, stalled_tls: int, timeout: float) -> None:
    gw = f"https://127.0.0.2:{stalled_tls}"
    prof = _profile(tmp_path, capture.base, provider={"kind": "epay", "gateway": gw, "merchant_id": "1001",
                                                      "md5_key_env": "KMDIAG_CAPTURE_KEY"})
    run = run_kmdiag("payment", "KM0001", "--profile", prof, "--renotify", "--yes", "--timeout", str(timeout),
                     "--format", "json", env=kmdiag_env(**SECRETS))
    assert "Traceback" not in run.err
    assert run.code == 1, run.err
    assert run.wall < timeout + GRACE, run.wall
    assert run.report is not None and run.report["plan"]["kind"] == "refuse"
