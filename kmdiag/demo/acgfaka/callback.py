"""The payment callback ``/user/api/order/callback.{tradeNo}`` and its ``runtime.log`` (3.6.0).

Facts (reference §4.2, §7, §7.1): data from a POST form, else a JSON body, else the query string;
the URL's trade number must be digits and name an order, else the request is refused *without* a
log line; then the Epay plugin's MD5 check, ``trade_status == TRADE_SUCCESS``, the body's
``out_trade_no`` equal to the URL's, the order still unpaid, the amount equal to the cent. Every
refusal answers HTTP 200 ``{"code":0,"msg":"fail"}`` and writes only its reason to runtime.log
(UTC+8, no trade number, no caller) — an unsigned probe is written as 签名验证失败. Success answers
``success`` and writes nothing there.
"""

from __future__ import annotations

import json
import time
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

from kmdiag.demo.acgfaka.storefront import php_json
from kmdiag.demo.http import Request, Response
from kmdiag.payment.providers import epay

if TYPE_CHECKING:
    from kmdiag.demo.acgfaka.store import Order, Store
    from kmdiag.demo.http import App

FAIL = {"code": 0, "msg": "fail"}
GONE = "很抱歉，有人在你付款之前抢走了商品，请联系客服。"


def callback_data(req: Request) -> dict[str, str]:
    """POST form, else JSON body, else the query string (``s`` and ``_PARAMETER`` removed)."""
    ctype = req.headers.get("content-type", "")
    if req.method == "POST" and req.body and "json" not in ctype:
        form = {k: v[-1] for k, v in parse_qs(req.body.decode("utf-8", "replace"), keep_blank_values=True).items()}
        if form:
            return form
    if req.body:
        try:
            data = json.loads(req.body)
        except ValueError:
            data = None
        if isinstance(data, dict):
            return {str(k): str(v) for k, v in data.items()}
    return {k: v for k, v in req.query.items() if k not in ("s", "_PARAMETER")}


def install(app: App, store: Store) -> None:
    @app.route("ANY", "/user/api/order/callback.{trade_no}")
    def callback(req: Request) -> Response:
        trade_no = req.params["trade_no"]
        with store.lock:
            o = store.orders.get(trade_no) if trade_no.isdigit() else None
            if o is None:
                return php_json(FAIL)  # unknown trade number: refused, not logged
            why = _refusal(store, o, callback_data(req))
            if why:
                store.callback_fail(why)
                return php_json(FAIL)
            deliver(store, o)
        return Response(200, "success", content_type="text/html; charset=utf-8")


def _refusal(store: Store, o: Order, data: dict[str, str]) -> str | None:
    if not store.epay_key:
        return "支付凭据未配置，拒绝回调"
    if not data or not epay.verify(data, store.epay_key):
        return "签名验证失败"
    if data.get("trade_status") != "TRADE_SUCCESS":
        return "状态验证失败"
    if data.get("out_trade_no") != o.trade_no:
        return "报文中取不到订单号、或与回调地址的订单号不一致"
    try:
        money = Decimal(str(data.get("money"))).quantize(Decimal("0.01"))
    except InvalidOperation:
        return "回调金额不是合法数字"
    if o.status != 0:
        return "重复通知，当前订单已支付"
    if money != o.amount.quantize(Decimal("0.01")):
        return "订单金额不匹配"
    return None


def deliver(store: Store, o: Order) -> None:
    """``orderSuccess``: paid; a local card is pulled (status and delivery set to 1 even when none is left)."""
    item = store.items[o.item_id]
    o.status, o.pay_time = 1, time.time()
    o.secret = item.cards.pop(0) if item.cards else GONE
    o.delivery_status = 1
    item.stock = max(0, item.stock - 1)
