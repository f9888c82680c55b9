"""The payment stories: a buyer really orders and pays before the diagnosis starts.

Why over HTTP: the notify URL the gateway receives must come from the shop's own code path — the
product page, the captcha, ``/user/api/order/trade`` through the front proxy (whose Host header
decides the notify URL), the cashier page's form posted to the gateway's ``submit.php``, and the
gateway's cashier. The buyer reads the captcha the way a person does: off the shop's session
(``store.captchas``), never through a back door in the shop's answer.
"""

from __future__ import annotations

import re
from html import unescape
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kmdiag.demo.acgfaka.mode import AcgFakaDemo

BROWSER_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36"


def buy(demo: AcgFakaDemo, *, item_id: int = 1, pay_id: int = 1, contact: str = "13800138000") -> str:
    """Order through the storefront as a browser would; returns the trade number (cashier form posted)."""
    from kmdiag.payment.net import sync_client

    base = demo.base_url.rstrip("/")
    with sync_client(demo.host_map(), timeout=10.0) as c:
        c.headers["User-Agent"] = BROWSER_UA
        c.get(f"{base}/item/{item_id}").raise_for_status()
        c.get(f"{base}/user/captcha/image", params={"action": "trade"}).raise_for_status()
        sid = c.cookies.get("ACG-SHOP") or ""
        code = demo.store.captchas.get(sid, "")
        r = c.post(f"{base}/user/api/order/trade", data={
            "item_id": str(item_id), "num": "1", "contact": contact, "captcha": code, "pay_id": str(pay_id),
            "device": "0"}, headers={"Referer": f"{base}/item/{item_id}", "X-Requested-With": "XMLHttpRequest"})
        body = r.json()
        if body.get("code") != 200:
            raise RuntimeError(f"demo story: the shop refused the order: {body.get('msg')}")
        trade_no = str(body["data"]["tradeNo"])
        page = c.get(base + body["data"]["url"]).text
        action = unescape(re.search(r'<form[^>]*action="([^"]+)"', page).group(1))  # type: ignore[union-attr]
        fields = {unescape(k): unescape(v) for k, v in re.findall(r'<input type="hidden" name="([^"]*)" value="([^"]*)">', page)}
        r = c.post(action, data=fields)
        if r.status_code != 200:
            raise RuntimeError(f"demo story: the gateway refused the pay request: {r.text[:120]}")
    return trade_no


def play(demo: AcgFakaDemo) -> str:
    """The fault's payment story; publishes ``demo.vars["order_id"]`` (the trade number)."""
    gw = demo.gateway
    trade_no = buy(demo)
    if demo.has("wrong-epay-key"):
        # The merchant reset the key in the epay back-office; the shop's Epay plugin still holds the old one.
        import secrets as _secrets

        gw.key = _secrets.token_hex(16)
        demo.secrets["KMDIAG_EPAY_KEY"] = gw.key
    o = gw.orders[trade_no]
    gw.pay(o.trade_no, notify=not demo.has("never-notified"))
    demo.vars["order_id"] = trade_no
    orders_file = demo.tmp / "orders.txt"  # for the sweep: acg-faka has no public pending-orders API
    orders_file.write_text(trade_no + "\n", encoding="utf-8")
    demo.vars["orders_file"] = str(orders_file)
    return trade_no
