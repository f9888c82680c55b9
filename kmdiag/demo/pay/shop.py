"""Demo: the shop's payment side — pay page, epay notify handler, admin callback history, pending orders.

Why it looks like dujiaoka: the notify handler is the one real shops run (``GET
/pay/yipay/notify_url``: verify MD5, check the status, compare the amount, advance the order, hand
out a card key, answer ``success``), so each fault in ``stories.py`` is one real misbehaviour of
it (a wrong key, a string comparison of money, a slow mail step, an ack without a state change).
Every request that names an order is recorded, as an access log would, and served to the admin API.
"""

from __future__ import annotations

import json
import secrets as _secrets
import threading
import time
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from kmdiag.demo.hosts import SHOP_HOST
from kmdiag.demo.http import Request, Response
from kmdiag.payment.providers import epay

if TYPE_CHECKING:
    from kmdiag.demo.pay.gateway import Gateway
    from kmdiag.demo.runtime import DemoShop
    from kmdiag.demo.shop import Order

NOTIFY_PATH = "/pay/yipay/notify_url"
RETURN_PATH = "/pay/yipay/return_url"
ACTIVE = ("unpaid", "paid-pending")


@dataclass
class PayShop:
    """The shop's payment configuration and the knobs the fault stories turn."""

    key: str  # the MD5 key the shop signs pay requests with
    base: str  # https://shop.kmdiag.test:PORT
    verify_key: str = ""  # the key it verifies callbacks with; "" = ``key`` (wrong in signature-invalid)
    alipay_public_key: str = ""  # "" = the demo Alipay public key (the app key in alipay-wrong-key)
    notify_path: str = NOTIFY_PATH  # the path the shop *hands the gateway* (wrong in callback-url-wrong)
    amount_compare: str = "decimal"  # "string": compares "1" with "1.00" (amount-mismatch)
    handler_delay_s: float = 0.0  # synchronous slow work inside the handler (slow-processing)
    ack_without_update: bool = False  # answers success, the queued job never runs (state-stuck)
    review: bool = False  # post-payment verification holds the order (secondary-review)
    proxy_status: int | None = None  # the reverse proxy answers this for /pay/* (callback-endpoint-down)
    proxy_fail_first: int = 0  # ... only for the next N notifies (retry-pending)
    access_log: str = ""
    request_log: str = ""  # one JSON line per payment request, headers and body included
    apiv3_key: str = ""  # "" = the demo's real APIv3 key (a wrong one in wechatpay-apiv3-key-wrong)

    @property
    def notify_url(self) -> str:
        return self.base + self.notify_path

    @property
    def return_url(self) -> str:
        return self.base + RETURN_PATH


def shop_of(demo: DemoShop) -> PayShop:
    return demo.__dict__["pay_shop"]


def install(demo: DemoShop, gw: Gateway) -> PayShop:
    """Add the payment routes to the shop and wrap its dispatch with the callback recorder."""
    st = demo.state
    app = demo.shop_app
    shop = PayShop(key=gw.key, base=f"https://{SHOP_HOST}:{demo.shop.port}",
                   access_log=str(demo.tmp / "shop-access.log"), request_log=str(demo.tmp / "shop-requests.jsonl"))
    demo.__dict__["pay_shop"] = shop
    admin_token = _secrets.token_hex(16)
    demo.secrets["KMDIAG_DEMO_ADMIN_TOKEN"] = admin_token
    demo.vars.update(notify_url=shop.base + NOTIFY_PATH, access_log=shop.access_log, request_log=shop.request_log)
    log_lock = threading.Lock()

    def record(req: Request, resp: Response, started: float) -> None:
        is_json = req.headers.get("content-type", "").startswith("application/json")
        params = dict(req.query) | (req.form() if req.method == "POST" and not is_json else {})
        oid = params.get("out_trade_no") or getattr(req, "notify_order", "") or ""
        body = resp.body.decode("utf-8", "replace") if isinstance(resp.body, bytes) else resp.body
        size = len(body.encode("utf-8"))
        took = time.time() - started
        sent = req.body.decode("utf-8", "replace")[:65536] if req.method == "POST" else ""
        with log_lock:
            ts = time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(started))
            line = (f'{req.client or "127.0.0.1"} - - [{ts}] "{req.method} {req.raw_target or req.path} HTTP/1.1" '
                    f'{resp.status} {size} "-" "{req.headers.get("user-agent", "-")}" {took:.3f}\n')
            with open(shop.access_log, "a", encoding="utf-8") as fh:
                fh.write(line)
            with open(shop.request_log, "a", encoding="utf-8") as fh:  # the app's own request log (JSON lines)
                fh.write(json.dumps({"ts": round(started, 3), "method": req.method, "uri": req.raw_target or req.path,
                                     "headers": {k: v for k, v in req.headers.items() if k.startswith(("wechatpay-", "content-type", "user-agent"))},
                                     "body": sent, "status": resp.status, "response": body[:200], "cost_ms": int(took * 1000)},
                                    ensure_ascii=False) + "\n")
        o = st.orders.get(oid)
        if o is None:
            return
        with st.lock:
            o.notifies.append({
                "time": started, "method": req.method, "path": req.path, "params": params, "status": resp.status,
                "reply": body[:200], "duration_ms": int(took * 1000), "raw_body": sent or None,
                "headers": {k: v for k, v in req.headers.items() if k.startswith("wechatpay-")},
                "reason": getattr(req, "notify_reason", None), "user_agent": req.headers.get("user-agent", ""),
            })

    inner = app.dispatch

    def dispatch(req: Request) -> Response:
        started = time.time()
        resp = inner(req)
        if req.path.startswith("/pay/") or "out_trade_no" in req.query:
            record(req, resp, started)
        return resp

    app.dispatch = dispatch  # type: ignore[method-assign]

    def proxy(req: Request) -> Response | None:
        """The reverse proxy in front of PHP: a dead upstream answers 502 for the payment routes."""
        if not req.path.startswith("/pay/yipay/") or shop.proxy_status is None:
            return None
        if shop.proxy_fail_first:
            shop.proxy_fail_first -= 1
            if shop.proxy_fail_first == 0:
                status, shop.proxy_status = shop.proxy_status, None
                return _bad_gateway(status)
        return _bad_gateway(shop.proxy_status)

    app.before.insert(0, proxy)

    @app.route("GET", "/pay/{oid}")
    def pay_page(req: Request) -> Response:
        o = st.orders.get(req.params["oid"])
        if o is None:
            return Response.html("<h3>订单不存在</h3>", 404)
        return Response(302, "", {"Location": submit_url(shop, gw, o)})

    @app.route("GET", NOTIFY_PATH)
    def notify(req: Request) -> Response:
        return handle_notify(demo, shop, req)

    @app.route("GET", RETURN_PATH)
    def back(req: Request) -> Response:
        o = st.orders.get(req.query.get("out_trade_no", ""))
        return Response.html(f"<p>订单状态 order status: {o.status if o else '?'}</p>")

    def authorised(req: Request) -> bool:
        return _secrets.compare_digest(req.headers.get("x-admin-token", ""), admin_token)

    @app.route("GET", "/admin/api/orders/{oid}/notifies")
    def notifies(req: Request) -> Response:
        if not authorised(req):
            return Response.json({"code": 401, "msg": "unauthorised"}, 401)
        o = st.orders.get(req.params["oid"])
        if o is None:
            return Response.json({"code": 404, "msg": "订单不存在"}, 404)
        with st.lock:
            return Response.json({"code": 0, "data": {"order_id": o.id, "notifies": list(o.notifies)}})

    @app.route("POST", "/admin/api/orders/{oid}/repair")
    def repair(req: Request) -> Response:
        """Manual 补单 through the admin API: the operator vouches for the payment, the shop delivers."""
        if not authorised(req):
            return Response.json({"code": 401, "msg": "unauthorised"}, 401)
        o = st.orders.get(req.params["oid"])
        if o is None:
            return Response.json({"code": 404, "msg": "订单不存在"}, 404)
        body = req.json() or {}
        with st.lock:
            if o.status in ACTIVE or o.status == "expired":
                o.trade_no = str(body.get("trade_no") or o.trade_no)
                deliver(demo, o)
            return Response.json({"code": 0, "msg": "success", "data": {"status": o.status}})

    @app.route("GET", "/admin/api/orders")
    def pending(req: Request) -> Response:
        if not authorised(req):
            return Response.json({"code": 401, "msg": "unauthorised"}, 401)
        wanted = set((req.query.get("status") or ",".join(ACTIVE)).split(","))
        since = _since(req.query.get("since"))
        limit = int(req.query.get("limit") or 0) or None
        offset = int(req.query.get("offset") or 0)
        with st.lock:
            rows = [o for o in st.orders.values() if o.status in wanted and o.created_at >= since]
            total = len(rows)
            page = rows[offset: offset + limit if limit else None]
            data = [{"id": o.id, "status": o.status, "amount": f"{o.amount:.2f}", "created_at": int(o.created_at)}
                    for o in page]
        return Response.json({"code": 0, "data": {"orders": data, "total": total}})

    return shop


def _bad_gateway(status: int) -> Response:
    text = {502: "Bad Gateway", 503: "Service Temporarily Unavailable", 504: "Gateway Time-out"}.get(status, "Error")
    return Response.html(f"<html><center><h1>{status} {text}</h1></center><hr><center>nginx</center></html>", status)


def _since(value: str | None) -> float:
    """``since``: epoch seconds, or a duration like 30m / 2h / 1d back from now; empty = everything."""
    if not value:
        return 0.0
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    try:
        if value[-1] in units:
            return time.time() - float(value[:-1]) * units[value[-1]]
        return float(value)
    except ValueError:
        return 0.0


def submit_url(shop: PayShop, gw: Gateway, o: Order) -> str:
    """The signed ``submit.php`` URL the shop sends the buyer to (dujiaoka's YipayController)."""
    o.notify_url = shop.notify_url
    p = {"pid": "1001", "type": "alipay", "out_trade_no": o.id, "notify_url": shop.notify_url,
         "return_url": shop.return_url, "name": o.id, "money": epay.format_money(o.amount)}
    p["sign"] = epay.sign(p, shop.key)
    p["sign_type"] = "MD5"
    return gw.url + "submit.php?" + urlencode(p)  # type: ignore[attr-defined]


def handle_notify(demo: DemoShop, shop: PayShop, req: Request) -> Response:
    """The shop's notify handler. A refusal answers ``fail``; the reason goes to the record (the log)."""
    st = demo.state
    q = req.query

    def refuse(reason: str) -> Response:
        req.notify_reason = reason  # type: ignore[attr-defined]
        return Response(200, "fail")

    o = st.orders.get(q.get("out_trade_no", ""))
    if o is None:
        return refuse("订单不存在 / order not found")
    if not epay.verify(q, shop.verify_key or shop.key):
        return refuse("签名验证失败 / signature verification failed")
    if q.get("trade_status") != "TRADE_SUCCESS":
        return refuse("状态验证失败 / trade_status is not TRADE_SUCCESS")
    if o.status == "expired":
        return refuse("订单已过期 / order expired")
    if not _amount_ok(q.get("money", ""), o.amount, shop.amount_compare):
        return refuse(f"订单金额不一致 / amount mismatch: {q.get('money')} != {o.amount:.2f}")
    if shop.handler_delay_s:
        time.sleep(shop.handler_delay_s)  # e.g. sending the delivery mail synchronously
    with st.lock:
        if o.status not in ACTIVE:
            return Response(200, "success")  # a repeated notify for a handled order
        o.trade_no = q.get("trade_no", "")
        if shop.ack_without_update:
            req.notify_reason = "queued: job pushed, no worker consumed it"  # type: ignore[attr-defined]
            return Response(200, "success")
        deliver(demo, o, review=shop.review)
    return Response(200, "success")


def _amount_ok(money: str, amount: Decimal, mode: str) -> bool:
    if mode == "string":
        return money == f"{amount:.2f}"
    try:
        return Decimal(money).quantize(Decimal("0.01")) == amount.quantize(Decimal("0.01"))
    except InvalidOperation:
        return False


def deliver(demo: DemoShop, o: Order, *, review: bool = False) -> None:
    """Paid: hold for review, or pop a card key (abnormal when none is left, as dujiaoka's status 6)."""
    if review:
        o.status, o.info = "review", "支付后二次校验中 / post-payment verification pending"
        return
    product = demo.state.products[o.product_id]
    if not product.cards:
        o.status, o.info = "abnormal", "库存可使用卡密不足，请联系管理员核查 / not enough card keys in stock"
        return
    o.status, o.info = "completed", product.cards.pop(0)

