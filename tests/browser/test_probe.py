"""The whole ``browser.page`` probe in real Chromium against loopback pages and the demo shop:
no accidental orders, captchas never submitted, and the page's silent disable under load."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from kmdiag.demo.http import Request, Response
from kmdiag.demo.runtime import DemoShop
from kmdiag.probes import ProbeContext
from kmdiag.probes.browser import page_probe
from kmdiag.profile.schema import Order, Profile
from tests.browser.pages import serve

pytestmark = pytest.mark.browser


def run_probe(profile: Profile, demo: DemoShop | None = None, **options: Any) -> tuple[dict[str, Any], ProbeContext]:
    ctx = ProbeContext(profile=profile, options={"browser_lockdown": True, **options}, deadline=time.monotonic() + 20)
    if demo is not None:
        ctx.state["demo"] = demo
    return asyncio.run(page_probe(ctx)), ctx


def test_order_request_is_stopped_at_the_browser_edge_without_submit(tmp_path) -> None:
    with serve() as srv:
        prof = Profile(name="t", base_url=srv.base + "/", order=Order(product_url="/plain-shop", fill={"#contact": "x"}))
        data, ctx = run_probe(prof, submit=False, evidence_dir=str(tmp_path))
        assert srv.posts == 0  # nothing reached the shop
    orders = [o for o in data["order_requests"] if o["phase"] == "click"]
    assert orders and orders[0]["intercepted"] is True and orders[0]["method"] == "POST"
    assert data["button"]["found_by"] == "heuristic"
    shot = tmp_path / "order-page.png"
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [a.kind for a in ctx.artifacts] == ["screenshot"]
    assert set(ctx.state["browser_files"]) >= {"har", "console"}


def test_captcha_page_is_not_clicked_but_still_inspected() -> None:
    with serve() as srv:
        prof = Profile(name="t", base_url=srv.base + "/", order=Order(product_url="/acg-faka"))
        data, _ = run_probe(prof, submit=True)
        assert srv.posts == 0
    assert data["click"] == {"attempted": False, "not_attempted_because": "captcha"}
    assert data["button"]["text"] == "支付宝"
    assert data["state"]["hit_relation"] in ("self", "inside")


def test_page_disables_its_button_silently_when_the_shop_sheds_load() -> None:
    demo = DemoShop().start()

    def shed(req: Request) -> Response | None:
        if req.path == "/api/shop/status":
            return Response.json({"code": 503, "msg": "busy"}, 503, {"Retry-After": "5"})
        return None

    demo.shop_app.before.append(shed)
    try:
        data, _ = run_probe(demo.profile(), demo, submit=True)
    finally:
        demo.stop()
    assert data["state"]["disabled"] is True
    assert any(e["status"] == 503 and e["retry_after"] == "5" for e in data["http_errors"])
    assert not data["order_requests"]


def test_demo_host_rules_and_certificate_pinning_let_the_page_load() -> None:
    demo = DemoShop().start()
    try:
        data, _ = run_probe(demo.profile(), demo, submit=True)
    finally:
        demo.stop()
    assert data["load"]["ok"] and data["load"]["status"] == 200
    assert data["resolver_rules_from"] in ("demo", "network.dns")
