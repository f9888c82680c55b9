"""Platform checks on literal measurements: ok / shed / broken / transport answers."""

from __future__ import annotations

from typing import Any

from kmdiag.models import Status
from tests.network.helpers import run_check


def _ep(role: str, *results: dict[str, Any], method: str = "GET") -> dict[str, Any]:
    return {"roles": [role], "url": f"https://shop.test/{role}", "method": method, "results": list(results)}


def _data(*eps: dict[str, Any]) -> dict[str, Any]:
    return {"platform.http": {"endpoints": list(eps), "address": "127.0.0.1"}}


OK = {"status": 200, "ttfb_ms": 5.0}


def test_pages_and_health_5xx_or_reset_is_down() -> None:
    d = _data(_ep("static", {"status": 502, "ttfb_ms": 3}), _ep("health", {"status": None, "error_kind": "reset"}),
              _ep("order-api", {"status": 502}, method="OPTIONS"))
    st, ev, _ = run_check("platform.reachable", d)
    assert st == Status.FAIL and ev["kind"] == "down"
    assert run_check("platform.load", d)[0] == Status.PASS


def test_only_health_broken_is_a_warning() -> None:
    d = _data(_ep("static", OK), _ep("health", {"status": 500}))
    assert run_check("platform.reachable", d)[0] == Status.WARN


def test_transport_failures_are_not_judged_here() -> None:
    d = _data(_ep("static", {"status": None, "error_kind": "timeout"}), _ep("health", {"status": None, "error_kind": "tls"}))
    assert run_check("platform.reachable", d)[0] == Status.SKIP
    assert run_check("platform.load", d)[0] == Status.SKIP


def test_429_with_retry_after_is_shedding_not_down() -> None:
    d = _data(_ep("static", OK, OK), _ep("health", OK),
              _ep("order-api", {"status": 429, "retry_after": "30", "ttfb_ms": 900}, method="OPTIONS"))
    assert run_check("platform.reachable", d)[0] == Status.PASS
    st, ev, text = run_check("platform.load", d)
    assert st == Status.FAIL and ev["kind"] == "shedding" and ev["retry_after"] == "30" and ev["api_slow"]


def test_503_from_the_order_api_alone_is_shedding() -> None:
    d = _data(_ep("static", OK), _ep("order-api", {"status": 503, "ttfb_ms": 4}, method="OPTIONS"))
    assert run_check("platform.load", d)[1]["kind"] == "shedding"


def test_api_far_slower_than_static_is_overload() -> None:
    d = _data(_ep("static", OK, OK, OK), _ep("order-api", *[{"status": 405, "ttfb_ms": 1500}] * 3, method="OPTIONS"))
    st, ev, _ = run_check("platform.load", d)
    assert st == Status.FAIL and ev["kind"] == "api-slow"


def test_a_slow_link_slows_both_alike_and_is_not_overload() -> None:
    d = _data(_ep("static", *[{"status": 200, "ttfb_ms": 1200}] * 3),
              _ep("order-api", *[{"status": 405, "ttfb_ms": 1300}] * 3, method="OPTIONS"))
    assert run_check("platform.load", d)[0] == Status.PASS


def test_healthy() -> None:
    d = _data(_ep("static", OK), _ep("health", OK), _ep("order-api", {"status": 405, "ttfb_ms": 3}, method="OPTIONS"))
    assert run_check("platform.reachable", d)[0] == Status.PASS
    assert run_check("platform.load", d)[0] == Status.PASS


def test_page_404_warns_about_profile_paths() -> None:
    d = _data(_ep("page", {"status": 404}), _ep("health", OK))
    st, _, text = run_check("platform.reachable", d)
    assert st == Status.WARN and "404" in text
