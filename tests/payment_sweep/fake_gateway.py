"""A tiny epay-like gateway on loopback for sweep tests: real HTTP over TCP, with misbehaviour on demand.

It answers ``GET /api.php?act=order&pid=&key=&out_trade_no=`` the way 彩虹易支付 does (reference
§1.6): ``code 1`` with ``status`` 1/0, ``code -1`` for an unknown order, ``code -3`` for a wrong key.
Knobs: orders that always answer 500, orders that fail N times first, a global limit that answers
429 + Retry-After, orders that hang.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from kmdiag.demo.http import App, Request, Response, Server
from kmdiag.payment.money import to_decimal
from kmdiag.payment.providers.base import ProviderRecord, error_record, http_error

PID, KEY = "1001", "demo-merchant-key-123456"


@dataclass
class FakeEpay:
    paid: dict[str, str] = field(default_factory=dict)  # order id -> money
    unpaid: set[str] = field(default_factory=set)
    errors: set[str] = field(default_factory=set)  # always HTTP 500
    flaky: dict[str, int] = field(default_factory=dict)  # order id -> failures (502) before it answers
    hang: set[str] = field(default_factory=set)  # sleeps 30 s
    burst: int | None = None  # after this many requests in a window answer 429 ...
    retry_after: float = 1.0  # ... with this Retry-After, until it has passed
    log: list[tuple[float, str, int]] = field(default_factory=list)  # (time, order id, status)
    lock: threading.Lock = field(default_factory=threading.Lock)
    _count: int = 0
    _blocked_until: float = 0.0
    limited_at: list[float] = field(default_factory=list)

    def start(self) -> FakeEpay:
        app = App()
        app.route("GET", "/api.php")(self.handle)
        self.server = Server(app)
        self.base = f"http://127.0.0.1:{self.server.port}"
        return self

    def close(self) -> None:
        self.server.close()

    def _answer(self, req: Request) -> Response:
        q = req.query
        oid = q.get("out_trade_no", "")
        now = time.monotonic()
        with self.lock:
            if self.burst is not None:
                if now < self._blocked_until:
                    return Response.json({"code": -429, "msg": "too many"}, 429, {"Retry-After": f"{self.retry_after:g}"})
                self._count += 1
                if self._count > self.burst:
                    self._count = 0
                    self._blocked_until = now + self.retry_after
                    self.limited_at.append(now)
                    return Response.json({"code": -429, "msg": "too many"}, 429, {"Retry-After": f"{self.retry_after:g}"})
            if oid in self.flaky and self.flaky[oid] > 0:
                self.flaky[oid] -= 1
                return Response(502, "bad gateway")
        if q.get("act") != "order":
            return Response.json({"code": -5, "msg": "No Act!"})
        if q.get("pid") != PID or q.get("key") != KEY:
            return Response.json({"code": -3, "msg": "商户密钥错误"})
        if oid in self.errors:
            return Response(500, "internal error")
        if oid in self.hang:
            time.sleep(30)
        if oid in self.paid:
            return Response.json({"code": 1, "msg": "succ", "trade_no": "2026" + oid[-8:], "out_trade_no": oid,
                                  "money": self.paid[oid], "status": 1, "endtime": "2026-11-25 21:00:03"})
        if oid in self.unpaid:
            return Response.json({"code": 1, "msg": "succ", "trade_no": "", "out_trade_no": oid, "money": "6.00",
                                  "status": 0, "endtime": None})
        return Response.json({"code": -1, "msg": "订单号不存在"})

    def handle(self, req: Request) -> Response:
        resp = self._answer(req)
        with self.lock:
            self.log.append((time.monotonic(), req.query.get("out_trade_no", ""), resp.status))
        return resp


def parse(order_id: str, resp: httpx.Response) -> ProviderRecord:
    """epay's answer → ProviderRecord (the test's own reading of reference §1.6)."""
    if resp.status_code >= 400:
        return http_error(order_id, resp.status_code, resp.headers, resp.text)
    data: dict[str, Any] = resp.json()
    code = data.get("code")
    if code == -3:
        return error_record(order_id, f"auth: {data.get('msg')}")
    if code == -1:
        return ProviderRecord(order_id, False, False, "not-found", None, None, None, {})
    if code != 1:
        return error_record(order_id, f"bad-response: code {code}")
    paid = str(data.get("status")) == "1"
    return ProviderRecord(order_id, True, paid, str(data.get("status")), to_decimal(data.get("money")),
                          data.get("trade_no") or None, 1764075603.0 if paid else None, {})


def make_query(client: httpx.AsyncClient, base: str, key: str = KEY):
    async def query(order_id: str) -> ProviderRecord:
        try:
            resp = await client.get(f"{base}/api.php", params={"act": "order", "pid": PID, "key": key,
                                                               "out_trade_no": order_id})
        except httpx.TimeoutException:
            return error_record(order_id, "timeout")
        except httpx.HTTPError as e:
            return error_record(order_id, f"network: {type(e).__name__}")
        return parse(order_id, resp)

    return query
