"""A shop kmdiag never saw, on loopback: its own order API, its own notify-record API field names
(``created``, ``uri``, ``code``, ``body``, ``cost``), its own JSON-lines request log, an epay
``api.php``, an Alipay ``gateway.do`` and notify handlers — records written the way other shops
write them, not the demo's way.
"""

from __future__ import annotations

import json
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from kmdiag.demo.http import App, Request, Response, Server
from kmdiag.payment.providers import alipay, epay, wechatpay

CN = timezone(timedelta(hours=8))
PID = "1001"


def rsa_pair() -> tuple[str, str]:
    from kmdiag.demo.pay.keys import rsa_pair as _pair

    return _pair()


def cn_time(t: float) -> str:
    return datetime.fromtimestamp(t, CN).strftime("%Y-%m-%d %H:%M:%S")


class OtherShop:
    def __init__(self, tmp: Path) -> None:
        self.md5_key = "shop-md5-key-0123456789"
        self.ali_priv, self.ali_pub = rsa_pair()  # "Alipay's" key pair
        self.app_priv, self.app_pub = rsa_pair()  # the shop's app key pair
        self.plat_priv, self.plat_pub = rsa_pair()  # WeChat Pay platform key pair
        self.apiv3 = "0123456789abcdef0123456789abcdef"
        self.shop_apiv3 = "fedcba9876543210fedcba9876543210"  # what the shop is (wrongly) configured with
        self.admin_token = "admin-token-othershop-42"
        self.orders: dict[str, dict[str, Any]] = {}  # id -> {"state", "money", "paid_at"}
        self.rows: dict[str, list[dict[str, Any]]] = {}  # id -> notify-record rows, the shop's own names
        self.request_log = tmp / "requests.jsonl"
        self.lock = threading.Lock()
        self.slow: set[str] = set()
        app = App()
        app.route("GET", "/api/order")(self._order)
        app.route("GET", "/admin/notify-logs")(self._notify_logs)
        app.route("GET", "/api.php")(self._epay_query)
        app.route("POST", "/gateway.do")(self._alipay_query)
        app.route("ANY", "/notify/epay")(self._epay_notify)
        app.route("POST", "/notify/wechat")(self._wechat_notify)
        self.server = Server(app)
        self.base = f"http://127.0.0.1:{self.server.port}"

    def close(self) -> None:
        self.server.close()

    # -- the shop's records ---------------------------------------------------------------------
    def add_order(self, oid: str, money: str = "10.00", state: str = "WAIT", paid_ago: float = 60) -> None:
        self.orders[oid] = {"state": state, "money": money, "paid_at": time.time() - paid_ago}

    def add_row(self, oid: str, **row: Any) -> None:
        self.rows.setdefault(oid, []).append(row)

    def _authorised(self, req: Request) -> bool:
        return req.headers.get("authorization", "") == f"Bearer {self.admin_token}"

    def _order(self, req: Request) -> Response:
        o = self.orders.get(req.query.get("sn", ""))
        if o is None:
            return Response.json({"ok": 0, "err": "no such order"}, 404)
        return Response.json({"ok": 1, "order": {"state": o["state"], "money": o["money"]}})

    def _notify_logs(self, req: Request) -> Response:
        if not self._authorised(req):
            return Response.json({"ok": 0, "err": "login"}, 401)
        return Response.json({"ok": 1, "rows": self.rows.get(req.query.get("order", ""), []), "page": 1})

    # -- providers --------------------------------------------------------------------------------
    def _epay_query(self, req: Request) -> Response:
        q = req.query
        if q.get("key") != self.md5_key:
            return Response.json({"code": -3, "msg": "商户密钥错误"})
        o = self.orders.get(q.get("out_trade_no", ""))
        if o is None:
            return Response.json({"code": -1, "msg": "订单号不存在"})
        return Response.json({"code": 1, "msg": "succ", "trade_no": "T" + q["out_trade_no"], "out_trade_no": q["out_trade_no"],
                              "money": o["money"], "status": 1, "endtime": cn_time(o["paid_at"]), "type": "alipay", "name": "x"})

    def _alipay_query(self, req: Request) -> Response:
        no = json.loads(req.form().get("biz_content") or "{}").get("out_trade_no", "")
        o = self.orders.get(no)
        node = {"code": "10000", "msg": "Success", "trade_no": "2026" + no, "out_trade_no": no, "trade_status": "TRADE_SUCCESS",
                "total_amount": o["money"] if o else "0.00", "send_pay_date": cn_time(o["paid_at"]) if o else ""}
        inner = json.dumps(node, separators=(",", ":"))
        text = '{"alipay_trade_query_response":' + inner + ',"sign":"' + alipay.rsa_sign(inner, self.ali_priv) + '"}'
        return Response(200, text, {}, "application/json; charset=utf-8")

    # -- notify handlers (they log every request as one JSON line, their own way) -----------------
    def _log(self, req: Request, status: int, reply: str, started: float) -> None:
        line = {"@timestamp": datetime.fromtimestamp(started, CN).isoformat(timespec="milliseconds"),
                "request": {"method": req.method, "path": req.raw_target or req.path,
                            "headers": {k: v for k, v in req.headers.items() if k.startswith("wechatpay-")},
                            "body": req.body.decode("utf-8", "replace")},
                "response": {"status": status, "body": reply}, "elapsed": round(time.time() - started, 3)}
        with self.lock, open(self.request_log, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(line, ensure_ascii=False) + "\n")

    def _epay_notify(self, req: Request) -> Response:
        started = time.time()
        params = dict(req.query) | (req.form() if req.method == "POST" else {})
        if params.get("out_trade_no") in self.slow:
            time.sleep(1.5)
        ok = epay.verify(params, self.md5_key) if params.get("sign") else False
        reply = "success" if ok else "fail"
        self._log(req, 200, reply, started)
        return Response(200, reply)

    def _wechat_notify(self, req: Request) -> Response:
        started = time.time()
        body = req.body.decode("utf-8", "replace")
        h = req.headers
        if not wechatpay.verify_signature(h.get("wechatpay-timestamp", ""), h.get("wechatpay-nonce", ""), body,
                                          h.get("wechatpay-signature", ""), self.plat_pub):
            status, reply = 401, '{"code":"FAIL","message":"签名错误"}'
        elif wechatpay.decrypt_resource((json.loads(body) or {}).get("resource") or {}, self.shop_apiv3) is None:
            status, reply = 500, '{"code":"FAIL","message":"解密失败"}'
        else:
            status, reply = 204, ""
        self._log(req, status, reply, started)
        return Response(status, reply, {}, "application/json")
