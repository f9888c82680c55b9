"""End to end through the CLI: every network fault gives its cause first, with exit code 1.

Restricted to ``--only network,platform`` so that no browser is needed.
"""

from __future__ import annotations

import json
import time

import pytest

NETWORK_FAULTS = {
    "dns-failure": "network.dns-failure",
    "dns-hijack": "network.dns-hijack",
    "unreachable": "network.unreachable",
    "slow": "network.slow",
    "request-timeout": "network.request-timeout",
    "captive-portal": "network.captive-portal",
    "tls-intercepted": "network.tls-intercepted",
    "proxy-misconfigured": "network.proxy-misconfigured",
}


def _run(cli, *args: str) -> tuple[int, dict, float]:
    t0 = time.monotonic()
    code, out, err = cli("order", "--demo", "--format", "json", "--only", "network,platform", *args)
    elapsed = time.monotonic() - t0
    assert "Traceback" not in out + err
    return code, json.loads(out), elapsed


def test_healthy_demo_smoke_has_no_cause(cli) -> None:
    code, rep, _ = _run(cli, "--smoke")
    assert code == 0, [(c["id"], c["status"], c["summary"]) for c in rep["checks"] if c["status"] != "pass"]
    assert rep["causes"] == [] and rep["status"] == "ok"
    ids = {c["id"] for c in rep["checks"]}
    assert {"network.dns-consistent", "network.tls", "network.latency", "network.captive-portal", "network.proxy",
            "platform.reachable", "platform.load"} <= ids


@pytest.mark.parametrize("fault", sorted(NETWORK_FAULTS))
def test_fault_gives_its_cause_first(cli, fault: str) -> None:
    code, rep, _ = _run(cli, "--fault", fault)
    got = [c["id"] for c in rep["causes"]]
    assert code == 1 and got and got[0] == NETWORK_FAULTS[fault], (got, [(c["id"], c["status"], c["summary"])
                                                                          for c in rep["checks"] if c["status"] != "pass"])
    first = rep["causes"][0]
    assert {s["audience"] for s in first["next_steps"]} == {"user", "agent", "operator"}


def test_black_holed_target_ends_inside_a_short_timeout(cli) -> None:
    code, rep, elapsed = _run(cli, "--fault", "request-timeout", "--timeout", "3")
    assert rep["duration_ms"] <= 3000 and elapsed < 3.6, (rep["duration_ms"], elapsed)
    assert code == 1 and rep["causes"][0]["id"] == "network.request-timeout"


def test_chinese_output(cli) -> None:
    code, out, _ = cli("order", "--demo", "--format", "json", "--only", "network,platform", "--fault", "dns-hijack",
                       "--lang", "zh")
    rep = json.loads(out)
    assert code == 1 and "劫持" in rep["causes"][0]["title"]
