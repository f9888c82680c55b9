"""The acg-faka demo answers as 3.6.0 was measured (reference §7, §7.1), over real HTTP on loopback."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from kmdiag.demo.acgfaka.members import EXPIRED, FOREIGN
from kmdiag.payment.providers import epay


@pytest.fixture(scope="module")
def shop() -> Iterator[Any]:
    from kmdiag.demo.acgfaka.mode import AcgFakaDemo

    d = AcgFakaDemo([], "payment").start()
    yield d
    d.stop()


def _c(d: Any) -> httpx.Client:
    from kmdiag.payment.net import sync_client

    return sync_client(d.host_map(), timeout=10)


def test_item_page_and_refusals(shop: Any) -> None:
    base = shop.base_url.rstrip("/")
    with _c(shop) as c:
        page = c.get(f"{base}/item/1").text
        assert 'setVar("_var_item",' in page and '"trade_captcha": 1' in page and "captcha-img" in page
        assert 'class="pay"' not in page  # no order button in the server's HTML: item.js builds it
        r = c.get(f"{base}/item/999")
        assert r.status_code == 200 and r.json() == {"code": 0, "msg": "商品不存在"}
        r = c.post(f"{base}/user/api/order/trade", data={"item_id": "1", "num": "1", "contact": "13800138000",
                                                         "pay_id": "1", "captcha": ""})
        assert r.status_code == 200 and r.json() == {"code": 0, "msg": "验证码错误"}
        assert c.get(f"{base}/user/captcha/image", params={"action": "trade"}).content[:4] == b"\x89PNG"


def test_member_api_has_exactly_two_refusals(shop: Any) -> None:
    base = shop.base_url.rstrip("/")
    m = shop.store.members[7]
    with _c(shop) as c:
        assert c.post(f"{base}/user/api/bill/data").json()["msg"] == EXPIRED
        good = shop.sessions.issue(m)
        assert c.post(f"{base}/user/api/bill/data", headers={"Cookie": f"USER_SESSION={good}"}).json()["code"] == 200
        assert c.post(f"{base}/user/api/bill/data", headers={"Cookie": f"ACG-SHOP={good}"}).json()["msg"] == EXPIRED
        assert c.post(f"{base}/user/api/bill/data", headers={"Cookie": f"USER_SESSION={good}", "Referer": "http://other.test/"}).json()["msg"] == FOREIGN
        m.status = 0
        try:
            assert c.post(f"{base}/user/api/bill/data", headers={"Cookie": f"USER_SESSION={good}"}).json()["msg"] == EXPIRED
        finally:
            m.status = 1


def test_state_query_cashier_callback_and_logs(shop: Any) -> None:
    base = shop.base_url.rstrip("/")
    oid = shop.vars["order_id"]
    assert re.fullmatch(r"\d{18}", oid)
    with _c(shop) as c:
        st = c.get(f"{base}/user/api/order/state", params={"tradeNo": oid}).json()
        assert st["code"] == 200 and st["data"]["status"] == 1 and st["data"]["trade_no"] == oid
        assert c.post(f"{base}/user/api/order/state", data={"tradeNo": "1"}).json() == {"code": 0, "msg": "未查询到相关信息"}
        row = c.post(f"{base}/user/api/index/query", data={"keywords": oid}).json()["data"]["list"][0]
        assert row["status"] == 1 and row["delivery_status"] == 1
        page = c.get(f"{base}/user/pay/order.{oid}.2").text
        assert f'name="notify_url" value="{base}/user/api/order/callback.{oid}"' in page
        lines = shop.store.runtime_log.read_text(encoding="utf-8").splitlines()
        assert lines == []  # the accepted notify left no line
        for how in ("get", "form", "json"):  # unsigned, whatever the shape: 签名验证失败, HTTP 200 fail
            url = f"{base}/user/api/order/callback.{oid}"
            data = {"out_trade_no": oid}
            r = (c.get(url, params=data) if how == "get" else c.post(url, data=data) if how == "form"
                 else c.post(url, json=data))
            assert r.status_code == 200 and r.json() == {"code": 0, "msg": "fail"}
        assert c.get(f"{base}/user/api/order/callback.123").json() == {"code": 0, "msg": "fail"}  # unknown: no line
        lines = shop.store.runtime_log.read_text(encoding="utf-8").splitlines()
        assert len(lines) == 3 and all(re.fullmatch(r"\[CALLBACK\]\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\]:签名验证失败", x) for x in lines)
        assert oid not in "\n".join(lines)
        # a correctly signed repeat is refused as a repeat (the order is paid)
        g = shop.gateway.orders[oid]
        r = c.get(f"{base}/user/api/order/callback.{oid}", params=shop.gateway.notify_params(g))
        assert r.json()["msg"] == "fail"
        assert shop.store.runtime_log.read_text(encoding="utf-8").splitlines()[-1].endswith("重复通知，当前订单已支付")
    reqs = [json.loads(x) for x in shop.store.request_log.read_text(encoding="utf-8").splitlines()]
    assert any(r["uri"].startswith("/user/api/order/callback.") for r in reqs)
    assert all(r["params"].get("sign") in (None, "******") for r in reqs)


def test_order_state_is_rate_limited_per_ip(shop: Any) -> None:
    from kmdiag.demo.acgfaka.store import RateLimit

    lim = RateLimit(120, 600)
    assert all(lim.allow("1.2.3.4") for _ in range(120)) and not lim.allow("1.2.3.4") and lim.allow("5.6.7.8")


def test_port_dropping_proxy_hands_the_gateway_port_80() -> None:
    from kmdiag.demo.acgfaka.mode import AcgFakaDemo

    with AcgFakaDemo(["proxy-drops-port"], "payment") as d:
        o = d.store.orders[d.vars["order_id"]]
        assert o.option["notify_url"].startswith("http://faka.kmdiag.test/user/api/order/callback.")
        assert o.status == 0
        assert d.gateway.orders[o.trade_no].attempts[0]["error"]  # the gateway's notify was refused at port 80
        assert epay.verify({k: v for k, v in o.option.items() if k != "action"}, d.store.epay_key)


def _buy(d: Any, c: httpx.Client, **form: str) -> dict[str, Any]:
    base = d.base_url.rstrip("/")
    c.get(f"{base}/item/1")
    c.get(f"{base}/user/captcha/image", params={"action": "trade"})
    code = d.store.captchas.get(c.cookies.get("ACG-SHOP") or "", "")
    data = {"item_id": "1", "num": "1", "contact": "13800138000", "pay_id": "1", "captcha": code} | form
    return c.post(f"{base}/user/api/order/trade", data=data).json()


@pytest.mark.parametrize(("fault", "msg"), [("sold-out", "库存不足"), ("members-only", "请先登录后再购买哦")])
def test_trade_refusals(fault: str, msg: str) -> None:
    from kmdiag.demo.acgfaka.mode import AcgFakaDemo

    with AcgFakaDemo([fault], "order") as d, _c(d) as c:
        assert _buy(d, c) == {"code": 0, "msg": msg}
        assert d.store.order_rows() == 0
        if fault == "sold-out":
            assert '"stock": 0' in c.get(d.base_url + "item/1").text


def test_trade_with_the_right_captcha_creates_a_real_order(shop: Any) -> None:
    with _c(shop) as c:
        rows = shop.store.order_rows()
        res = _buy(shop, c)
        assert res["code"] == 200 and res["msg"] == "下单成功"
        assert re.fullmatch(r"/user/pay/order\.\d{18}\.2", res["data"]["url"]) and res["data"]["amount"] == 1.5
        assert shop.store.order_rows() == rows + 1
        assert _buy(shop, c, captcha="0000x")["msg"] == "验证码错误"  # one code, one try
