"""Demo: one Alipay-style scenario — RSA2-signed POST notifies and a signed ``alipay.trade.query``.

Why: the commonest Alipay breakage in the field is the shop verifying notifies with its *own app
public key* instead of the Alipay public key (dujiaoka#102, #55, #22): paying works, every notify
fails verification. The demo gateway holds an "Alipay" key pair made at start, the shop an app key
pair; with ``--fault alipay-wrong-key`` the shop is configured with the wrong one.
"""

from __future__ import annotations

import json
import time
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from kmdiag.demo.http import Request, Response
from kmdiag.demo.pay import shop as payshop
from kmdiag.demo.pay.gateway import attempt
from kmdiag.demo.pay.keys import rsa_pair
from kmdiag.payment.providers import alipay

if TYPE_CHECKING:
    from kmdiag.demo.pay.gateway import Gateway, GwOrder
    from kmdiag.demo.runtime import DemoShop

APP_ID = "2021000000000001"
NOTIFY_PATH = "/pay/alipay/notify_url"
# Alipay: 4m, 10m, 10m, 1h, 2h, 6h, 15h after the first notify (cumulative seconds).
SCHEDULE = (0, 240, 840, 1440, 5040, 12240, 33840, 87840)


class AlipayKeys:
    """Made lazily (RSA generation costs ~100 ms), only when the Alipay scenario is played or queried."""

    def __init__(self) -> None:
        self.ali_priv, self.ali_pub = rsa_pair()
        self.app_priv, self.app_pub = rsa_pair()


def keys_of(gw: Gateway) -> AlipayKeys:
    k = getattr(gw, "alipay_keys", None)
    if k is None:
        k = AlipayKeys()
        gw.alipay_keys = k  # type: ignore[attr-defined]
    return k


def notify_params(gw: Gateway, o: GwOrder) -> dict[str, str]:
    now = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(o.endtime or time.time()))
    p = {"notify_time": now, "notify_type": "trade_status_sync", "notify_id": "ac05" + o.trade_no, "app_id": APP_ID,
         "charset": "utf-8", "version": "1.0", "trade_no": "2026" + o.trade_no, "out_trade_no": o.out_trade_no,
         "trade_status": "TRADE_SUCCESS", "total_amount": f"{Decimal(o.money):.2f}", "subject": o.name,
         "gmt_payment": now, "fund_bill_list": json.dumps([{"amount": f"{Decimal(o.money):.2f}", "fundChannel": "ALIPAYACCOUNT"}])}
    return alipay.sign_notify(p, keys_of(gw).ali_priv)


def send_notify(gw: Gateway, o: GwOrder, client: Any) -> dict[str, Any]:
    """POST form, the reply must be exactly ``success``."""
    return attempt(lambda: client.post(o.notify_url, data=notify_params(gw, o)),
                   lambda r: r.status_code == 200 and r.text == "success")


def install(demo: DemoShop, gw: Gateway) -> None:
    """``POST /gateway.do`` on the gateway; ``POST /pay/alipay/notify_url`` on the shop."""
    gw.senders["alipay"] = send_notify

    @gw.app.route("POST", "/gateway.do")
    def gateway_do(req: Request) -> Response:
        k = keys_of(gw)
        p = req.form()
        if p.get("method") != "alipay.trade.query":
            return _signed(k, "error_response", {"code": "40002", "msg": "Invalid Arguments", "sub_code": "isv.invalid-method"})
        if not alipay.rsa_verify(alipay.request_content(p), p.get("sign", ""), k.app_pub):
            return _signed(k, "alipay_trade_query_response", {"code": "40002", "msg": "Invalid Arguments",
                                                              "sub_code": "isv.invalid-signature", "sub_msg": "验签出错"})
        no = (json.loads(p.get("biz_content") or "{}")).get("out_trade_no", "")
        o = gw.orders.get(no)
        if o is None:
            return _signed(k, "alipay_trade_query_response", {"code": "40004", "msg": "Business Failed",
                                                              "sub_code": "ACQ.TRADE_NOT_EXIST", "sub_msg": "交易不存在"})
        node = {"code": "10000", "msg": "Success", "trade_no": "2026" + o.trade_no, "out_trade_no": o.out_trade_no,
                "trade_status": "TRADE_SUCCESS" if o.status else "WAIT_BUYER_PAY", "total_amount": f"{Decimal(o.money):.2f}"}
        if o.endtime:
            from kmdiag.payment.providers.epay import format_time

            node["send_pay_date"] = format_time(o.endtime)
        return _signed(k, "alipay_trade_query_response", node)

    @demo.shop_app.route("POST", NOTIFY_PATH)
    def notify(req: Request) -> Response:
        st, shop = demo.state, payshop.shop_of(demo)
        p = req.form()
        o = st.orders.get(p.get("out_trade_no", ""))
        key = shop.alipay_public_key or keys_of(gw).ali_pub
        if o is None or not alipay.verify_notify(p, key):
            req.notify_reason = "验签失败 / signature verification failed" if o else "订单不存在 / order not found"  # type: ignore[attr-defined]
            return Response(200, "fail")
        if p.get("trade_status") not in alipay.PAID or Decimal(p.get("total_amount", "0")) != o.amount:
            req.notify_reason = "状态或金额不符 / status or amount mismatch"  # type: ignore[attr-defined]
            return Response(200, "fail")
        with st.lock:
            if o.status in payshop.ACTIVE:
                o.trade_no = p.get("trade_no", "")
                payshop.deliver(demo, o)
        return Response(200, "success")


def _signed(k: AlipayKeys, node: str, body: dict[str, Any]) -> Response:
    inner = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    text = "{" + json.dumps(node) + ":" + inner + ',"sign":"' + alipay.rsa_sign(inner, k.ali_priv) + '"}'
    return Response(200, text, {}, "application/json; charset=utf-8")


def configure(demo: DemoShop, gw: Gateway, shop: Any) -> None:
    """Switch the demo profile's provider to Alipay (before ``demo.profile()`` is read)."""
    k = keys_of(gw)
    demo.secrets["KMDIAG_DEMO_ALIPAY_PUBLIC_KEY"] = k.ali_pub
    demo.secrets["KMDIAG_DEMO_ALIPAY_APP_PRIVATE_KEY"] = k.app_priv
    demo.vars.update(pay_kind="alipay", pay_gateway=gw.url + "gateway.do", md5_key_env="null",
                     alipay_public_key_env="KMDIAG_DEMO_ALIPAY_PUBLIC_KEY",  # type: ignore[attr-defined]
                     pay_private_key_env="KMDIAG_DEMO_ALIPAY_APP_PRIVATE_KEY", notify_method="POST",
                     notify_url=shop.base + NOTIFY_PATH, retry_schedule=json.dumps(list(SCHEDULE)))
    gw.schedule = SCHEDULE
