"""The run always ends inside ``--timeout``, even when the network swallows everything.

Real processes, all layers, real Chromium: the demo with its order API hanging (``request-timeout``)
at tight budgets, and a profile whose every resolver is a loopback UDP port that never answers (a
black hole). Each run must exit 1 or 3 with a valid report, within the budget plus start-up, and
leave no browser behind.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.hardening.conftest import assert_clean, kmdiag_env, leftover_processes, run_kmdiag


@pytest.mark.parametrize("timeout", [4.0, 2.0])
def test_demo_request_timeout_ends_inside_budget(timeout: float) -> None:
    run = run_kmdiag("order", "--demo", "--fault", "request-timeout", "--timeout", str(timeout), "--format", "json")
    report = assert_clean(run, timeout, codes=(1, 3))
    assert report["duration_ms"] <= timeout * 1000
    assert leftover_processes(run.marker) == []


@pytest.fixture
def black_hole() -> Iterator[str]:
    """A loopback UDP port that receives every DNS question and answers none."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    try:
        yield f"127.0.0.1:{s.getsockname()[1]}"
    finally:
        s.close()


def _black_hole_profile(tmp_path: Path, resolver: str) -> str:
    doc = {
        "name": "black-hole", "base_url": "https://shop.blackhole.test/",
        "network": {"system_resolver": resolver, "trusted_resolvers": [resolver, resolver]},
        "order": {"product_url": "/buy/1", "button": "#buy", "order_request": "POST /api/orders"},
        "account": {"token_env": "KMDIAG_BH_TOKEN", "endpoint": "/api/user/me"},
        "payment": {
            "order_endpoint": "/api/orders/{order_id}", "notify_url": "https://shop.blackhole.test/pay/notify",
            "callback_log": {"endpoint": "/admin/api/orders/{order_id}/notifies"},
            "provider": {"kind": "epay", "gateway": "https://pay.blackhole.test/", "merchant_id": "1001",
                         "key_env": "KMDIAG_BH_KEY"},
        },
    }
    path = tmp_path / "black-hole.yaml"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("timeout", [4.0, 2.0])
@pytest.mark.parametrize("command", [["order", "--submit"], ["payment", "KM-1"]])
def test_black_holed_resolvers_end_inside_budget(command: list[str], timeout: float, black_hole: str,
                                                tmp_path: Path) -> None:
    prof = _black_hole_profile(tmp_path, black_hole)
    run = run_kmdiag(*command, "--profile", prof, "--timeout", str(timeout), "--format", "json",
                     env=kmdiag_env(KMDIAG_BH_TOKEN="tok-bh", KMDIAG_BH_KEY="key-bh"))
    report = assert_clean(run, timeout, codes=(1, 3))
    assert report["duration_ms"] <= timeout * 1000
    assert leftover_processes(run.marker) == []
