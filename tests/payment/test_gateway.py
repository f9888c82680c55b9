"""The demo gateway as the sweep and the diagnosis rely on it: seeding, pending orders, retries, rate limits."""

from __future__ import annotations

import asyncio
import time

import pytest

from kmdiag.demo.http import Response
from kmdiag.demo.pay.gateway import gateway_of
from kmdiag.demo.pay.seed import seed_orders
from kmdiag.demo.pay.shop import shop_of
from kmdiag.demo.runtime import DemoShop
from kmdiag.payment.net import async_client
from kmdiag.payment.providers import make_provider


@pytest.fixture
def demo():
    d = DemoShop().start()
    try:
        yield d
    finally:
        d.stop()


def _query(demo: DemoShop, ids: list[str]) -> list:
    profile = demo.profile()
    prov = make_provider(profile.payment.provider, demo.secrets)

    async def go() -> list:
        async with async_client(profile) as c:
            return list(await asyncio.gather(*(prov.query(c, i) for i in ids)))

    return asyncio.run(go())


def test_seed_orders_and_pending_endpoint(demo: DemoShop) -> None:
    lost = seed_orders(demo, 300, 9, seed=1)
    assert len(lost) == 9 and len(set(lost)) == 9
    recs = _query(demo, lost + [o for o in demo.state.orders if o not in lost][:5])
    assert [r.paid for r in recs] == [True] * 9 + [False] * 5
    assert all(r.error is None and r.found for r in recs)
    profile = demo.profile()
    url = profile.url(profile.payment.pending_orders_endpoint.replace("{since}", "2h"))

    async def pending() -> dict:
        async with async_client(profile) as c:
            r = await c.get(url, headers={"X-Admin-Token": demo.secrets["KMDIAG_DEMO_ADMIN_TOKEN"]})
            return r.json()

    data = asyncio.run(pending())["data"]
    assert data["total"] == 300 and {o["id"] for o in data["orders"]} >= set(lost)


def test_admin_endpoints_need_the_token(demo: DemoShop) -> None:
    profile = demo.profile()

    async def go() -> int:
        async with async_client(profile) as c:
            return (await c.get(profile.url("/admin/api/orders"))).status_code

    assert asyncio.run(go()) == 401


def test_gateway_retries_until_the_shop_answers_success(demo: DemoShop) -> None:
    gw, shop = gateway_of(demo), shop_of(demo)
    gw.schedule = (0, 0.4, 5)
    shop.proxy_status, shop.proxy_fail_first = 503, 1
    order = demo.state.create_order(1, "13800138000", None)
    g = gw.create({"out_trade_no": order.id, "money": "6", "notify_url": shop.notify_url, "name": order.id})
    gw.pay(g.trade_no)
    assert g.attempts[0]["status"] == 503 and not g.attempts[0]["ok"] and g.next_notify_at is not None
    deadline = time.time() + 5
    # the shop completes the order inside its handler, before the gateway has the answer: wait for both
    while time.time() < deadline and (order.status != "completed" or len(g.attempts) < 2):
        time.sleep(0.05)
    assert order.status == "completed" and [a["status"] for a in g.attempts] == [503, 200]
    assert [n["status"] for n in order.notifies] == [503, 200] and order.notifies[1]["params"]["money"] == "6"


def test_rate_limited_query_is_data(demo: DemoShop) -> None:
    lost = seed_orders(demo, 3, 1)
    gateway_of(demo).query_hook = lambda req: Response.json({"code": -9, "msg": "too many"}, 429, {"Retry-After": "2"})
    rec = _query(demo, lost)[0]
    assert rec.error == "rate-limited" and rec.retry_after == 2.0 and not rec.paid


def test_network_error_is_data(demo: DemoShop) -> None:
    profile = demo.profile()
    cfg = profile.payment.provider.model_copy(update={"gateway": "http://127.0.0.1:9/"})
    prov = make_provider(cfg, demo.secrets)

    async def go():
        async with async_client(profile) as c:
            return await prov.query(c, "KM1")

    rec = asyncio.run(go())
    assert rec.error and rec.error.startswith("network") and "KMDIAG" not in rec.error
    assert demo.secrets["KMDIAG_DEMO_EPAY_KEY"] not in str(rec.as_dict())
