"""Hostile pages and servers: huge bodies, redirect loops, drips, hangs, bad JSON, garbage, resets,
pages whose scripts spin or open alerts without end.

Each case points a whole run (every layer whose endpoints the profile can name) at one misbehaviour
and asks the same of it: a contract exit code, a valid JSON report, no traceback, the run over inside
``--timeout`` and memory that a 200 MB body does not blow up. A few cases also check that the probe
*reported* the misbehaviour instead of being cut off by the runner (nothing left ``unfinished``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.hardening.conftest import assert_clean, kmdiag_env, leftover_processes, run_kmdiag
from tests.hardening.hostile import PAGES, ROUTES, Hostile, profile_yaml

TIMEOUT = 6.0
SECRETS = {"KMDIAG_HOSTILE_TOKEN": "tok-hostile-123", "KMDIAG_HOSTILE_KEY": "key-hostile-123"}
PEAK_MB = 400  # the interpreter, httpx, Playwright's client: ~120 MB; a 200 MB body read whole would pass this


def _profile(tmp_path: Path, hostile: Hostile, route: str, dnsmasq: object) -> str:
    resolver = dnsmasq.start({"nothing.test": "127.0.0.1"})  # type: ignore[attr-defined]
    path = tmp_path / f"{route}.yaml"
    path.write_text(profile_yaml(f"http://127.0.0.1:{hostile.port}", route, trusted=resolver), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("route", ROUTES)
def test_payment_against_hostile_server(route: str, hostile: Hostile, tmp_path: Path, dnsmasq: object) -> None:
    prof = _profile(tmp_path, hostile, route, dnsmasq)
    run = run_kmdiag("payment", "KM-ORDER-1", "--profile", prof, "--timeout", str(TIMEOUT), "--format", "json",
                     env=kmdiag_env(**SECRETS), peak=True)
    report = assert_clean(run, TIMEOUT)
    # Every payment probe sizes its requests to the budget: each reports what it saw, none is cut off.
    assert report["unfinished"] == [], report["unfinished"]
    assert run.peak_mb is not None and run.peak_mb < PEAK_MB, run.peak_mb
    text = json.dumps(report)
    if route in ("big", "gzbomb", "brbomb", "deflbomb"):
        assert "larger than" in text  # the cap, named in the evidence (decoded bytes for the bombs)
    if route in ("nested", "nestedobj", "nested900", "obj900"):
        assert "RecursionError" not in text
    assert "key-hostile-123" not in run.out + run.err


ORDER_CASES = ("big", "loop", "drip", "hang-headers", "hang", "badjson", "list", "nested", "latin1", "garbage", "reset",
               "gzbomb")


@pytest.mark.parametrize("route", ORDER_CASES + PAGES)
def test_order_against_hostile_server(route: str, hostile: Hostile, tmp_path: Path, dnsmasq: object) -> None:
    prof = _profile(tmp_path, hostile, route, dnsmasq)
    run = run_kmdiag("order", "--profile", prof, "--timeout", str(TIMEOUT), "--format", "json", "--submit",
                     env=kmdiag_env(**SECRETS), peak=True)
    report = assert_clean(run, TIMEOUT)
    assert run.peak_mb is not None and run.peak_mb < PEAK_MB, run.peak_mb
    assert leftover_processes(run.marker) == []  # no Chromium outlives the run
    checks = {c["id"]: c for c in report["checks"]}
    if route in PAGES:
        # The browser probe reports the page itself, inside its own time, instead of being cut off.
        assert "browser.page" not in report["unfinished"], report["unfinished"]
        assert checks["browser.launch"]["status"] == "pass", checks["browser.launch"]
    if route in ("spin", "alerts"):  # the script never lets the page finish loading
        assert checks["browser.page-load"]["status"] == "fail"
    if route in ("spin-late", "alerts-click"):  # loads, then stops answering (after a moment / on the click)
        assert checks["browser.page-load"]["status"] == "fail"
        assert "stopped responding" in checks["browser.page-load"]["summary"]
    if route == "dom10k":
        assert checks["browser.button-found"]["status"] == "pass"
    if route in ("drip", "hang", "hang-headers", "nested"):
        assert "account.me" not in report["unfinished"]
        assert "RecursionError" not in json.dumps(report)
