"""End to end through the CLI: platform faults, and the platform probe on the live demo."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest

from kmdiag.probes import ProbeContext
from kmdiag.probes.platform import platform_probe


@pytest.mark.parametrize("fault,cause", [("down", "platform.down"), ("overloaded", "platform.overloaded")])
def test_platform_fault_gives_its_cause_first(cli, fault: str, cause: str) -> None:
    code, out, err = cli("order", "--demo", "--format", "json", "--only", "network,platform", "--fault", fault)
    rep = json.loads(out)
    got = [c["id"] for c in rep["causes"]]
    assert code == 1 and got[0] == cause, (got, [(c["id"], c["summary"]) for c in rep["checks"] if c["status"] != "pass"])
    assert not any(g.startswith("network.") for g in got)


def test_only_platform_layer_still_resolves_through_the_users_resolver(cli) -> None:
    code, out, _ = cli("order", "--demo", "--format", "json", "--only", "platform", "--fault", "down")
    rep = json.loads(out)
    assert code == 1 and rep["causes"][0]["id"] == "platform.down"


def test_platform_probe_records_retry_after_and_latency() -> None:
    from kmdiag.demo.runtime import DemoShop

    with DemoShop(["overloaded"]) as demo:
        ctx = ProbeContext(profile=demo.profile(), options={"environ": {}}, deadline=time.monotonic() + 15)
        data: dict[str, Any] = asyncio.run(platform_probe(ctx))
    api = next(e for e in data["endpoints"] if "order-api" in e["roles"])
    assert api["method"] == "OPTIONS" and all(r["status"] == 429 and r["retry_after"] == "30" for r in api["results"])
    assert min(r["ttfb_ms"] for r in api["results"]) >= 800
    assert demo.state.order_requests == 0  # nothing the probe sends can create an order
