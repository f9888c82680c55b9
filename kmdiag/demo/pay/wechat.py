"""Demo: a WeChat Pay API v3 story — RSA-signed JSON notifies with an AES-256-GCM sealed resource.

Why: the v3 breakage agents meet most is the APIv3 key. Paying works (orders are signed with the
merchant's private key), the platform's signature on each notify verifies, and yet every notify
fails because the shop opens the resource with the wrong APIv3 key (the v2 API key pasted in its
place, or a key reset in the merchant platform and not copied). The notify names the order only
inside the ciphertext, so the shop cannot even say which order it refused: its admin notify list
stays empty and only its request log (one JSON line per request, like acg-faka's
``runtime/request`` log) saw them. kmdiag, given the real key, opens them and finds the order.

The gateway holds a platform key pair; the shop a merchant key pair (queries are signed with it and
the gateway checks that signature); ``GET /v3/pay/transactions/out-trade-no/{no}`` answers signed.
"""

from __future__ import annotations

import json
import secrets as _secrets
import time
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from kmdiag.demo.http import Request, Response
from kmdiag.demo.pay import shop as payshop
from kmdiag.demo.pay.gateway import attempt
from kmdiag.demo.pay.keys import rsa_pair
from kmdiag.payment.providers import wechatpay

if TYPE_CHECKING:
    from kmdiag.demo.pay.gateway import Gateway, GwOrder
    from kmdiag.demo.runtime import DemoShop

NOTIFY_PATH = "/pay/wepay/notify_url"
MCHID = "1001"
SERIAL = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"  # the merchant API certificate serial (queries)
PUB_KEY_ID = "PUB_KEY_ID_0110010012026120100000000000000001"
# WeChat Pay v3: 15s/15s/30s/3m/10m/20m/30m/30m/30m/60m/3h/3h/3h/6h/6h after the first (cumulative seconds).
SCHEDULE = (0, 15, 30, 60, 240, 840, 2040, 3840, 5640, 7440, 11040, 21840, 32640, 43440, 65040, 86640)


class WechatKeys:
    def __init__(self) -> None:
        self.platform_priv, self.platform_pub = rsa_pair()
        self.mch_priv, self.mch_pub = rsa_pair()
        self.apiv3 = _secrets.token_hex(16)  # 32 characters, as the merchant platform shows it


def keys_of(gw: Gateway) -> WechatKeys:
    k = getattr(gw, "wechat_keys", None)
    if k is None:
        k = WechatKeys()
        gw.wechat_keys = k  # type: ignore[attr-defined]
    return k


def _rfc3339(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).astimezone().isoformat(timespec="seconds")


def transaction(o: GwOrder) -> dict[str, Any]:
    return {"appid": "wxd678efh567hg6787", "mchid": MCHID, "out_trade_no": o.out_trade_no,
            "transaction_id": "4200" + o.trade_no, "trade_type": "NATIVE",
            "trade_state": "SUCCESS" if o.status else "NOTPAY", "trade_state_desc": "支付成功" if o.status else "订单未支付",
            "bank_type": "OTHERS", "attach": "", "success_time": _rfc3339(o.endtime) if o.endtime else None,
            "payer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
            "amount": {"total": int(Decimal(o.money) * 100), "payer_total": int(Decimal(o.money) * 100),
                       "currency": "CNY", "payer_currency": "CNY"}}


def signed_headers(k: WechatKeys, body: str) -> dict[str, str]:
    ts, nonce = str(int(time.time())), _secrets.token_hex(16)
    return {"Wechatpay-Timestamp": ts, "Wechatpay-Nonce": nonce, "Wechatpay-Serial": PUB_KEY_ID,
            "Wechatpay-Signature-Type": wechatpay.SIGN_TYPE,
            "Wechatpay-Signature": wechatpay.sign(wechatpay.message(ts, nonce, body), k.platform_priv)}


def send_notify(gw: Gateway, o: GwOrder, client: Any) -> dict[str, Any]:
    """POST the JSON notify; 200/204 is success, anything else a failure."""
    k = keys_of(gw)
    resource = wechatpay.encrypt_resource(transaction(o), k.apiv3, _secrets.token_hex(6))
    body = json.dumps({"id": "EV-" + o.trade_no, "create_time": _rfc3339(time.time()), "resource_type": "encrypt-resource",
                       "event_type": "TRANSACTION.SUCCESS", "summary": "支付成功", "resource": resource},
                      ensure_ascii=False, separators=(",", ":"))
    headers = {"Content-Type": "application/json", **signed_headers(k, body)}
    return attempt(lambda: client.post(o.notify_url, content=body.encode(), headers=headers),
                   lambda r: r.status_code in (200, 204))


def install(demo: DemoShop, gw: Gateway) -> None:
    """The v3 query on the gateway; ``POST /pay/wepay/notify_url`` on the shop."""
    gw.senders["wechatpay"] = send_notify

    @gw.app.route("GET", "/v3/pay/transactions/out-trade-no/{no}")
    def query(req: Request) -> Response:
        k = keys_of(gw)
        auth = req.headers.get("authorization", "")
        fields = dict(p.split("=", 1) for p in auth.removeprefix(wechatpay.SIGN_TYPE).strip().split(",") if "=" in p)
        fields = {a: b.strip('"') for a, b in fields.items()}
        target = req.raw_target or req.path
        text = f"GET\n{target}\n{fields.get('timestamp')}\n{fields.get('nonce_str')}\n\n"
        if fields.get("mchid") != MCHID or not _verify_request(text, fields.get("signature", ""), k.mch_pub):
            return _signed(k, {"code": "SIGN_ERROR", "message": "签名错误"}, 401)
        o = gw.orders.get(req.params["no"])
        if o is None:
            return _signed(k, {"code": "ORDER_NOT_EXIST", "message": "订单不存在"}, 404)
        return _signed(k, transaction(o), 200)

    @demo.shop_app.route("POST", NOTIFY_PATH)
    def notify(req: Request) -> Response:
        st, shop = demo.state, payshop.shop_of(demo)
        k = keys_of(gw)
        body = req.body.decode("utf-8", "replace")
        h = req.headers
        if not wechatpay.verify_signature(h.get("wechatpay-timestamp", ""), h.get("wechatpay-nonce", ""), body,
                                          h.get("wechatpay-signature", ""), k.platform_pub):
            req.notify_reason = "验签失败 / signature verification failed"  # type: ignore[attr-defined]
            return Response.json({"code": "FAIL", "message": "签名错误"}, 401)
        resource = (req.json() or {}).get("resource") or {}
        tx = wechatpay.decrypt_resource(resource, getattr(shop, "apiv3_key", "") or k.apiv3)
        if tx is None:
            req.notify_reason = "解密失败 / resource decryption failed (AEAD_AES_256_GCM tag mismatch)"  # type: ignore[attr-defined]
            return Response.json({"code": "FAIL", "message": "解密失败"}, 500)
        o = st.orders.get(str(tx.get("out_trade_no")))
        req.notify_order = str(tx.get("out_trade_no"))  # type: ignore[attr-defined]
        if o is None or tx.get("trade_state") != "SUCCESS" or Decimal(tx["amount"]["total"]) != o.amount * 100:
            req.notify_reason = "订单或金额不符 / order or amount mismatch"  # type: ignore[attr-defined]
            return Response.json({"code": "FAIL", "message": "订单不符"}, 400)
        with st.lock:
            if o.status in payshop.ACTIVE:
                o.trade_no = str(tx.get("transaction_id") or "")
                payshop.deliver(demo, o)
        return Response(204, "")


def _verify_request(text: str, signature: str, public_key: str) -> bool:
    import base64

    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    from kmdiag.payment.providers.alipay import load_public

    try:
        load_public(public_key).verify(base64.b64decode(signature), text.encode(), padding.PKCS1v15(), hashes.SHA256())
        return True
    except (InvalidSignature, ValueError, TypeError):
        return False


def _signed(k: WechatKeys, obj: dict[str, Any], status: int) -> Response:
    body = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    return Response(status, body, signed_headers(k, body), "application/json; charset=utf-8")


def configure(demo: DemoShop, gw: Gateway, shop: Any) -> None:
    """Switch the demo profile's provider to WeChat Pay v3 (before ``demo.profile()`` is read)."""
    k = keys_of(gw)
    demo.secrets.update(KMDIAG_DEMO_WECHAT_APIV3_KEY=k.apiv3, KMDIAG_DEMO_WECHAT_PLATFORM_PUBLIC_KEY=k.platform_pub,
                        KMDIAG_DEMO_WECHAT_MCH_PRIVATE_KEY=k.mch_priv)
    demo.vars.update(pay_kind="wechatpay", pay_gateway=gw.url, md5_key_env="null",  # type: ignore[attr-defined]
                     apiv3_key_env="KMDIAG_DEMO_WECHAT_APIV3_KEY", platform_public_key_env="KMDIAG_DEMO_WECHAT_PLATFORM_PUBLIC_KEY",
                     platform_public_key_id=PUB_KEY_ID, pay_private_key_env="KMDIAG_DEMO_WECHAT_MCH_PRIVATE_KEY",
                     cert_serial_no=SERIAL, notify_method="POST", notify_url=shop.base + NOTIFY_PATH,
                     retry_schedule=json.dumps(list(SCHEDULE)))
    gw.schedule = SCHEDULE
