"""Demo: the payment faults, each a story the demo really plays before the diagnosis starts.

Why play it: ``kmdiag payment --demo --fault X`` must diagnose what happened, not a flag. So the
story creates the order, the buyer goes to the pay page and through the gateway's cashier over
HTTP, the gateway sends its notify over HTTPS to whatever URL the shop handed it, and the shop
answers the way the fault makes it answer. ``demo.vars["order_id"]`` names the order afterwards.
"""

from __future__ import annotations

import time
from decimal import Decimal
from typing import TYPE_CHECKING

from kmdiag.demo.faults import register
from kmdiag.demo.hosts import PAY_HOST, SHOP_HOST
from kmdiag.demo.http import App, Request, Reset
from kmdiag.demo.pay import alipay, wechat
from kmdiag.demo.pay import shop as payshop
from kmdiag.i18n import T

if TYPE_CHECKING:
    from kmdiag.demo.pay.gateway import Gateway
    from kmdiag.demo.runtime import DemoShop

_F = [
    ("not-paid", "payment.not-paid", T(zh="买家打开了收银台但没有付款", en="the buyer opened the cashier but never paid")),
    ("callback-missing", "payment.callback-missing",
     T(zh="网关已收款，但回调在途中全部丢失（防火墙重置了网关的连接）",
       en="the gateway took the money but its callbacks were lost in transit (a firewall resets the gateway's connections)")),
    ("callback-url-wrong", "payment.callback-url-wrong",
     T(zh="订单创建时交给网关的回调路径写错了（/pay/yipay/notify），回调得到 404",
       en="the order was created with a wrong notify path (/pay/yipay/notify); callbacks get 404")),
    ("callback-endpoint-down", "payment.callback-endpoint-down",
     T(zh="回调接口后端挂了，反向代理一直返回 502", en="the notify endpoint's upstream is down; the reverse proxy answers 502")),
    ("signature-invalid", "payment.signature-invalid",
     T(zh="店铺验签用的密钥配错了（旧密钥），回调验签失败", en="the shop verifies callbacks with the wrong (stale) key; callbacks fail verification")),
    ("amount-mismatch", "payment.amount-mismatch",
     T(zh="商品价格 1.00，店铺把回调金额 \"1\" 与 \"1.00\" 按字符串比较", en="the product costs 1.00 and the shop compares the callback's \"1\" with \"1.00\" as strings")),
    ("order-expired", "payment.order-expired",
     T(zh="订单已过期后买家才付款，店铺拒绝了回调", en="the buyer paid after the order expired; the shop refused the callback")),
    ("state-stuck", "payment.state-stuck",
     T(zh="店铺回复了 success，但订单状态从未更新（队列无人消费）", en="the shop answered success but never updated the order (no queue worker)")),
    ("slow-processing", "payment.slow-processing",
     T(zh="回调处理比网关的 5 秒超时还慢（同步发邮件）", en="the notify handler takes longer than the gateway's 5 s timeout (mail sent synchronously)")),
    ("secondary-review", "payment.secondary-review",
     T(zh="付款后订单被二次校验挂起", en="the order is held for post-payment verification")),
    ("delivery-failed", "payment.delivery-failed",
     T(zh="已付款并入账，但卡密库存为零，发货失败", en="paid and recorded, but no card keys are left in stock")),
    ("retry-pending", "payment.retry-pending",
     T(zh="第一次回调失败（后端重启中 503），网关的下一次重试尚未到来", en="the first callback failed (upstream restarting, 503); the gateway's next retry is due")),
    ("alipay-wrong-key", "payment.signature-invalid",
     T(zh="支付宝场景：店铺把应用公钥当成支付宝公钥，RSA2 签名的 POST 回调全部验签失败",
       en="Alipay scenario: the shop pasted its app public key as the Alipay public key; every RSA2-signed POST notify fails verification")),
    ("wechatpay-apiv3-key-wrong", "payment.signature-invalid",
     T(zh="微信支付 v3 场景：店铺配置的 APIv3 密钥不对，平台签名有效的回调全部解密失败（店铺甚至不知道是哪个订单）",
       en="WeChat Pay v3 scenario: the shop has the wrong APIv3 key; notifies whose platform signature is valid all fail to decrypt (the shop cannot even tell which order)")),
]
for _name, _expect, _desc in _F:
    register(_name, "payment", "payment", _desc, expect=_expect)


def play(demo: DemoShop, gw: Gateway) -> str:
    """Create the order the fault's story is about and play it; return (and publish) its id."""
    from kmdiag.payment.net import sync_client  # httpx: loaded only when a story is played

    shop = payshop.shop_of(demo)
    st = demo.state
    product = st.products[1]
    if demo.has("amount-mismatch"):
        product.price = Decimal("1.00")
        shop.amount_compare = "string"
    if demo.has("delivery-failed"):
        product.cards.clear()
    if demo.has("signature-invalid"):
        # The callback-verification key field holds a stale key (kept after a key reset at the gateway);
        # paying still works because pay requests are signed from another field.
        shop.verify_key = "stale-" + gw.key[:10]
    if demo.has("callback-url-wrong"):
        shop.notify_path = "/pay/yipay/notify"  # the route is /pay/yipay/notify_url
    if demo.has("callback-endpoint-down"):
        shop.proxy_status = 502
    if demo.has("retry-pending"):
        shop.proxy_status, shop.proxy_fail_first = 503, 1
    if demo.has("state-stuck"):
        shop.ack_without_update = True
    if demo.has("secondary-review"):
        shop.review = True
    if demo.has("slow-processing"):
        shop.handler_delay_s = gw.timeout + 0.6
    if demo.has("callback-missing"):
        _firewall(demo, gw)

    if demo.has("alipay-wrong-key"):
        return _play_alipay(demo, gw, shop)
    if demo.has("wechatpay-apiv3-key-wrong"):
        return _play_wechat(demo, gw, shop)
    order = st.create_order(1, "13800138000", None)
    if demo.has("order-expired"):  # the buyer opened the pay page, went away, paid 12 minutes later
        order.created_at -= 720
        order.expires_at = order.created_at + st.order_ttl_s
        order.status = "expired"
    demo.vars["order_id"] = order.id

    hosts = {SHOP_HOST: "127.0.0.1", PAY_HOST: "127.0.0.1"}
    with sync_client(hosts, timeout=gw.timeout + 5, verify=True, ca_bundle=str(demo.ca.cert_path)) as buyer:
        r = buyer.get(f"{shop.base}/pay/{order.id}")  # the shop's pay page redirects to the cashier
        cashier = buyer.get(r.headers["location"])
        if cashier.status_code != 200:
            raise RuntimeError(f"demo cashier refused the order: {cashier.text[:200]}")
        if demo.has("not-paid"):
            return order.id
        trade_no = cashier.text.split("/pay/confirm/")[1].split("'")[0]
        buyer.post(f"{gw.url}pay/confirm/{trade_no}")  # type: ignore[attr-defined]
    if shop.handler_delay_s:  # let the slow handler finish what the gateway stopped waiting for
        deadline = time.time() + shop.handler_delay_s + 2
        while time.time() < deadline and order.status in payshop.ACTIVE:
            time.sleep(0.05)
    return order.id


def _firewall(demo: DemoShop, gw: Gateway) -> None:
    """A firewall on the gateway's path to the shop: the gateway's view of the shop's name points at a
    loopback address where every connection is reset, so its callbacks never arrive."""
    wall = App()

    def drop(req: Request) -> None:
        raise Reset()

    wall.before.append(drop)  # type: ignore[arg-type]
    demo.serve(wall, host="127.0.0.3", port=demo.shop.port, tls=demo.leaf.server_context())
    gw.hosts[SHOP_HOST] = "127.0.0.3"


def _play_alipay(demo: DemoShop, gw: Gateway, shop: object) -> str:
    """The shop creates an Alipay trade server-side, the buyer pays, Alipay POSTs its signed notify."""
    from kmdiag.payment.net import sync_client

    alipay.configure(demo, gw, shop)
    shop.alipay_public_key = alipay.keys_of(gw).app_pub  # type: ignore[attr-defined]  # the wrong key
    order = demo.state.create_order(1, "13800138000", None)
    order.notify_url = shop.base + alipay.NOTIFY_PATH  # type: ignore[attr-defined]
    g = gw.create({"out_trade_no": order.id, "money": f"{order.amount:.2f}", "name": order.id, "type": "alipay",
                   "notify_url": order.notify_url})
    g.style = "alipay"
    demo.vars["order_id"] = order.id
    with sync_client({PAY_HOST: "127.0.0.1"}, timeout=gw.timeout + 5) as buyer:
        buyer.post(f"{gw.url}pay/confirm/{g.trade_no}")  # type: ignore[attr-defined]
    return order.id


def _play_wechat(demo: DemoShop, gw: Gateway, shop: object) -> str:
    """The shop places a Native order server-side, the buyer pays, WeChat Pay POSTs its sealed notify."""
    from kmdiag.payment.net import sync_client

    wechat.configure(demo, gw, shop)
    shop.apiv3_key = "v2" + wechat.keys_of(gw).apiv3[2:][::-1]  # type: ignore[attr-defined]  # 32 chars, not the key
    order = demo.state.create_order(1, "13800138000", None)
    order.notify_url = shop.base + wechat.NOTIFY_PATH  # type: ignore[attr-defined]
    g = gw.create({"out_trade_no": order.id, "money": f"{order.amount:.2f}", "name": order.id, "type": "wxpay",
                   "notify_url": order.notify_url})
    g.style = "wechatpay"
    demo.vars["order_id"] = order.id
    with sync_client({PAY_HOST: "127.0.0.1"}, timeout=gw.timeout + 5) as buyer:
        buyer.post(f"{gw.url}pay/confirm/{g.trade_no}")  # type: ignore[attr-defined]
    return order.id
