"""Orders: create (``/user/api/order/trade``), state, query, the cashier page and a member API.

Facts (reference §4.2, §7, §7.1): the create call is form-encoded and checks the image captcha held in
the ``ACG-SHOP`` PHP session; refusals are HTTP 200 ``{"code":0,"msg":…}``; success is
``{"code":200,"msg":"下单成功","data":{url, amount, tradeNo, secret,…}}`` with ``url`` the cashier page
``/user/pay/order.{tradeNo}.2``, which holds the form posted to the gateway. The notify URL in that
form is ``{callback_domain or scheme://Host}/user/api/order/callback.{tradeNo}`` — built from the
Host header, so a proxy that drops the port hands the gateway a port-80 URL. Order state answers
120 requests / 600 s per IP and also reads ``tradeNo`` from the query string; the order query 30 / 600 s.
"""

from __future__ import annotations

import html
import time
from decimal import Decimal
from typing import TYPE_CHECKING

from kmdiag.demo.acgfaka.store import Order, cn_time
from kmdiag.demo.acgfaka.storefront import ok, php_json, php_session, refuse
from kmdiag.demo.http import Request, Response
from kmdiag.payment.providers import epay

if TYPE_CHECKING:
    from kmdiag.demo.acgfaka.members import Sessions
    from kmdiag.demo.acgfaka.store import Store
    from kmdiag.demo.http import App

RATE_LIMITED = "请求过于频繁，请稍后再试"  # not measured on a live shop: the wording is the demo's own
PID = "1001"


def client_ip(req: Request) -> str:
    """REMOTE_ADDR as PHP sees it behind the demo's proxy (it passes X-Real-IP)."""
    return req.headers.get("x-real-ip") or req.client or "127.0.0.1"


def shop_origin(req: Request) -> str:
    """``Client::getUrl()``: scheme://HTTP_HOST — whatever Host the web server passed."""
    return "http://" + (req.headers.get("host") or "localhost")


def install(app: App, store: Store, sessions: Sessions, gateway_url: str) -> None:
    @app.route("POST", "/user/api/order/trade")
    def trade(req: Request) -> Response:
        f = req.form()
        sid, cookie = php_session(req)
        if store.trade_captcha:
            with store.lock:
                want = store.captchas.pop(sid, None)  # one code, one try
            if not want or f.get("captcha", "").strip() != want:
                return refuse("验证码错误")
        member = sessions.member(req)
        try:
            item_id, num, pay_id = int(f.get("item_id") or 0), int(f.get("num") or 0), int(f.get("pay_id") or 0)
        except ValueError:
            return refuse("商品不存在")
        if item_id == 0:
            return refuse("请选择商品")
        if num <= 0:
            return refuse("至少购买1个")
        with store.lock:
            item = store.items.get(item_id)
            if item is None:
                return refuse("商品不存在")
            if item.status != 1:
                return refuse("当前商品已停售")
            if item.only_user and member is None:
                return refuse("请先登录后再购买哦")
            contact = f.get("contact", "").strip()
            if member is None and len(contact) < 3:
                return refuse("联系方式不能低于3个字符")
            if item.stock == 0 or num > item.stock:
                return refuse("库存不足")
            pay = store.pays.get(pay_id)
            if pay is None:
                return refuse("该支付方式不存在")
            origin = shop_origin(req)
            callback = (store.callback_domain.rstrip("/") or origin)
            o = Order(store.trade_no(), item.id, pay.id, (item.price * num).quantize(Decimal("0.01")),
                      "-" if member else contact, member.id if member else 0, time.time(), client_ip(req))
            ret = f"{origin}/user/personal/purchaseRecord?tradeNo={o.trade_no}" if member else \
                f"{origin}/user/index/query?tradeNo={o.trade_no}"
            form = {"pid": PID, "type": pay.code, "out_trade_no": o.trade_no,
                    "notify_url": f"{callback}/user/api/order/callback.{o.trade_no}", "return_url": ret,
                    "name": f"商品订单号:{o.trade_no}", "money": f"{o.amount:.2f}", "sitename": o.trade_no,
                    "clientip": o.create_ip, "device": "pc"}
            form["sign"] = epay.sign(form, store.epay_key)
            form["sign_type"] = "MD5"
            o.option = {"action": gateway_url.rstrip("/") + "/submit.php"} | form
            store.orders[o.trade_no] = o
        return php_json({"code": 200, "msg": "下单成功", "data": {
            "url": f"/user/pay/order.{o.trade_no}.2", "amount": float(o.amount), "tradeNo": o.trade_no,
            "secret": None, "leave_message": None, "stock": item.stock}}, headers=cookie)

    @app.route("ANY", "/user/api/order/state")
    def state(req: Request) -> Response:
        if not store.state_limit.allow(client_ip(req)):
            return refuse(RATE_LIMITED)
        o = store.orders.get(req.form().get("tradeNo") or req.query.get("tradeNo") or "")
        if o is None:
            return refuse("未查询到相关信息")
        return ok({"id": list(store.orders).index(o.trade_no) + 1, "trade_no": o.trade_no,
                   "amount": f"{o.amount:.2f}", "status": o.status})

    @app.route("POST", "/user/api/index/query")
    def query(req: Request) -> Response:
        if not store.query_limit.allow(client_ip(req)):
            return refuse(RATE_LIMITED)
        kw = (req.form().get("keywords") or "").strip()
        with store.lock:
            rows = [o for o in store.orders.values() if kw and kw in (o.trade_no, o.contact)]
            data = [{"trade_no": o.trade_no, "amount": f"{o.amount:.2f}", "status": o.status,
                     "delivery_status": o.delivery_status, "create_time": cn_time(o.create_time),
                     "pay_time": cn_time(o.pay_time) if o.pay_time else None} for o in rows]
        if not data:
            return refuse("未查询到相关信息")
        return ok({"list": data})

    @app.route("GET", "/user/pay/{target}")
    def cashier(req: Request) -> Response:
        parts = req.params["target"].split(".")
        o = store.orders.get(parts[1]) if len(parts) == 3 and parts[0] == "order" else None
        if o is None:
            return refuse("订单不存在")
        inputs = "".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                         for k, v in o.option.items() if k != "action")
        return Response.html(
            "<!doctype html><html><head><meta charset=utf-8><title>正在跳转到支付页面</title></head><body>"
            f'<form id="pay-form" action="{html.escape(o.option.get("action", ""))}" method="post">{inputs}</form>'
            "<p>正在跳转到支付页面，请稍候…</p><script>document.getElementById('pay-form').submit();</script>"
            "</body></html>")

    @app.route("POST", "/user/api/bill/data")
    def bill(req: Request) -> Response:
        member, why = sessions.check(req)
        if member is None:
            return refuse(why or "")
        return ok({"list": [], "total": 0})
