"""Demo: an epay-compatible (彩虹易支付 V1) payment gateway on loopback.

Why a real gateway and not canned answers: a payment diagnosis is only trustworthy if the demo's
callbacks really travel — a GET with float money to the order's notify URL, a 5 s timeout, no
redirect following, the "success" substring rule, and retries on a schedule (scaled down here so a
run sees "next retry due at T"). This is the bottom of the ``pay`` package: it imports none of its
siblings. The Alipay and WeChat Pay cashiers plug their notify senders in (:attr:`Gateway.senders`)
when they install; the shop side lives in ``shop.py``, the fault stories in ``stories.py``.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from kmdiag.demo.http import App, Request, Response
from kmdiag.payment.providers import epay

if TYPE_CHECKING:
    from kmdiag.demo.runtime import DemoShop

PID = "1001"
NOTIFY_TIMEOUT_S = 5.0  # 彩虹易支付: CURLOPT_TIMEOUT 5
# Real epay retries ≈1, 3, 19, 55 min after payment; the demo runs the same chain 4× faster.
RETRY_SCHEDULE_S = (0, 15, 45, 285, 825)
UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"


@dataclass
class GwOrder:
    trade_no: str
    out_trade_no: str
    type: str
    name: str
    money: str
    notify_url: str
    return_url: str
    param: str = ""
    addtime: float = field(default_factory=time.time)
    status: int = 0  # 0 未支付, 1 已支付
    endtime: float | None = None
    attempts: list[dict[str, Any]] = field(default_factory=list)
    next_notify_at: float | None = None
    notified: bool = False
    style: str = "epay"  # "alipay": RSA2-signed POST notifies (alipay.py); "wechatpay": v3 JSON (wechat.py)


# A cashier's notify sender: (gateway, order, HTTP client) -> the attempt's record.
Sender = Callable[["Gateway", GwOrder, Any], dict[str, Any]]


def attempt(send: Callable[[], Any], ok: Callable[[Any], bool]) -> dict[str, Any]:
    """One notify attempt's record, whatever the cashier: the reply's status and the start of its
    body, whether ``ok`` accepts that reply, or the network error that came instead."""
    import httpx

    rec: dict[str, Any] = {"time": time.time(), "ok": False, "status": None, "error": None, "body": ""}
    try:
        r = send()
        rec["status"], rec["body"] = r.status_code, r.text[:200]
        rec["ok"] = ok(r)
    except httpx.TimeoutException:
        rec["error"] = "timeout"
    except httpx.HTTPError as exc:
        rec["error"] = f"{type(exc).__name__}: {exc}"[:200]
    return rec


class Gateway:
    """The gateway's state and behaviour; ``app`` is its HTTP face (submit, cashier, api.php)."""

    def __init__(self, key: str, hosts: dict[str, str], *, schedule: tuple[int, ...] = RETRY_SCHEDULE_S,
                 timeout: float = NOTIFY_TIMEOUT_S) -> None:
        self.key = key
        self.hosts = hosts  # the gateway's view of DNS (name -> loopback address)
        self.schedule = schedule
        self.timeout = timeout
        self.lock = threading.RLock()
        self.orders: dict[str, GwOrder] = {}
        self.by_trade: dict[str, GwOrder] = {}
        self._seq = itertools.count(1)
        self.query_hook: Any = None  # fn(Request) -> Response | None: lets tests make api.php rate-limit or fail
        self.queries = 0
        self.app = App()
        self._stop = threading.Event()
        self._routes()
        self._client: Any = None
        self.senders: dict[str, Sender] = {}  # order style -> sender, filled by the cashiers' install()
        self._thread = threading.Thread(target=self._retry_loop, name="demo-gateway-retry", daemon=True)
        self._thread.start()

    # -- orders -------------------------------------------------------------------------------
    def create(self, params: dict[str, str]) -> GwOrder:
        """An order as ``submit.php`` creates it; the same out_trade_no reuses its trade_no."""
        with self.lock:
            old = self.orders.get(params["out_trade_no"])
            if old is not None:
                return old
            trade_no = time.strftime("%Y%m%d%H%M%S") + f"{next(self._seq):05d}"
            o = GwOrder(trade_no, params["out_trade_no"], params.get("type") or "alipay", params.get("name", ""),
                        params["money"], params["notify_url"], params.get("return_url", ""), params.get("param", ""))
            self.orders[o.out_trade_no] = o
            self.by_trade[trade_no] = o
            return o

    def pay(self, trade_no: str, *, notify: bool = True) -> GwOrder:
        """The buyer pays: mark paid, send the first notify now (as epay does), schedule the retries."""
        with self.lock:
            o = self.by_trade[trade_no]
            if o.status == 1:
                return o
            o.status, o.endtime = 1, time.time()
        if notify:
            self.notify(o)
        return o

    def notify_params(self, o: GwOrder) -> dict[str, str]:
        return epay.notify_params(pid=PID, trade_no=o.trade_no, out_trade_no=o.out_trade_no, type=o.type,
                                  name=o.name, money=o.money, key=self.key, param=o.param)

    def notify(self, o: GwOrder) -> dict[str, Any]:
        """One notify attempt: GET, 5 s timeout, no redirects, body must contain success."""
        from kmdiag.payment.net import sync_client

        url = o.notify_url + ("&" if "?" in o.notify_url else "?") + urlencode(self.notify_params(o))
        started = time.time()
        if self._client is None:
            self._client = sync_client(self.hosts, timeout=self.timeout)
        client = self._client
        if o.style != "epay":
            sender = self.senders.get(o.style)
            if sender is None:
                raise RuntimeError(f"no cashier installed for {o.style} notifies")
            rec = sender(self, o, client)
        else:
            rec = attempt(lambda: client.get(url, headers={"User-Agent": UA}),
                          lambda r: any(w in r.text for w in ("success", "SUCCESS", "Success")))
        rec["duration_ms"] = int((time.time() - started) * 1000)
        with self.lock:
            o.attempts.append(rec)
            n = len(o.attempts)
            if rec["ok"]:
                o.notified, o.next_notify_at = True, None
            elif n < len(self.schedule) and o.endtime is not None:
                o.next_notify_at = o.endtime + self.schedule[n]
            else:
                o.next_notify_at = None  # given up: the merchant must 补单 by hand
        return rec

    def _retry_loop(self) -> None:
        while not self._stop.wait(0.2):
            now = time.time()
            with self.lock:
                due = [o for o in self.orders.values() if o.next_notify_at is not None and o.next_notify_at <= now]
                for o in due:
                    o.next_notify_at = None
            for o in due:
                try:
                    self.notify(o)
                except Exception:
                    pass

    def close(self) -> None:
        self._stop.set()
        if self._client is not None:
            self._client.close()

    # -- HTTP ---------------------------------------------------------------------------------
    def _routes(self) -> None:
        app = self.app

        @app.route("ANY", "/submit.php")
        def submit(req: Request) -> Response:
            params = dict(req.query) | req.form()
            if str(params.get("pid")) != PID:
                return Response.html("<h3>商户ID不存在</h3>", 400)
            if not epay.verify(params, self.key):
                return Response.html("<h3>MD5签名校验失败</h3>", 400)
            for f in ("out_trade_no", "notify_url", "money"):
                if not params.get(f):
                    return Response.html(f"<h3>{f} 不能为空</h3>", 400)
            o = self.create(params)
            if o.status == 1:
                return Response.html(f"<h3>该订单({o.out_trade_no})已完成支付，请勿重复发起支付</h3>", 400)
            return Response.html(
                f"<!doctype html><meta charset=utf-8><title>收银台 cashier</title><h2>演示支付 demo pay</h2>"
                f"<p>订单 {o.out_trade_no} · ¥{o.money}</p><form method=post action='/pay/confirm/{o.trade_no}'>"
                f"<button id=pay>确认支付 Pay</button></form>")

        @app.route("POST", "/pay/confirm/{trade_no}")
        def confirm(req: Request) -> Response:
            o = self.by_trade.get(req.params["trade_no"])
            if o is None:
                return Response.html("<h3>订单不存在</h3>", 404)
            self.pay(o.trade_no)
            back = o.return_url or "/"
            return Response(302, "", {"Location": back + ("&" if "?" in back else "?") + urlencode(self.notify_params(o))})

        @app.route("GET", "/api.php")
        def api(req: Request) -> Response:
            with self.lock:
                self.queries += 1
            if self.query_hook is not None:
                r = self.query_hook(req)
                if r is not None:
                    return r
            q = req.query
            if q.get("act") != "order":
                return Response.json({"code": -5, "msg": "No Act!"})
            if q.get("pid") != PID:
                return Response.json({"code": -3, "msg": "商户ID不存在"})
            if q.get("key") != self.key:
                return Response.json({"code": -3, "msg": "商户密钥错误"})
            o = self.by_trade.get(q.get("trade_no", "")) or self.orders.get(q.get("out_trade_no", ""))
            if o is None:
                return Response.json({"code": -1, "msg": "订单号不存在"})
            return Response.json({
                "code": 1, "msg": "succ", "trade_no": o.trade_no, "out_trade_no": o.out_trade_no,
                "api_trade_no": ("2026" + o.trade_no[-12:]) if o.status else "", "type": o.type, "pid": int(PID),
                "addtime": epay.format_time(o.addtime), "endtime": epay.format_time(o.endtime) if o.endtime else None,
                "name": o.name, "money": o.money, "param": o.param, "buyer": "", "status": o.status,
            })


def gateway_of(demo: DemoShop) -> Gateway:
    """The running demo's gateway (set up by :func:`setup`)."""
    return demo.__dict__["pay_gateway"]
