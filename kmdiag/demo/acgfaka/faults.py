"""The acg-faka demo's faults, registered under their own command keys (``acg-faka/order``,
``acg-faka/payment``) so that the default demo's catalogue (``kmdiag demo --list``) is unchanged.

Each fault switches on a real behaviour of the demo shop, its proxy or its gateway; ``expect`` is
what a correct diagnosis puts first (docs and end-to-end tests read it; kmdiag never does).
"""

from __future__ import annotations

from kmdiag.demo.faults import Fault, for_command, register
from kmdiag.i18n import T

PLATFORM = "acg-faka"
ORDER, PAYMENT = f"{PLATFORM}/order", f"{PLATFORM}/payment"

_ORDER = [
    ("captcha-off", None, T(zh="店铺关闭了下单验证码（trade_verification 关）", en="the shop turned the trade captcha off (trade_verification off)")),
    ("sold-out", "platform.sold-out", T(zh="商品库存为 0：支付按钮隐藏，页面显示 已售罄", en="the item's stock is 0: the pay buttons stay hidden and the page shows 已售罄")),
    ("members-only", "account.not-logged-in",
     T(zh="仅会员可买的商品；交给 kmdiag 的 USER_SESSION 已过期", en="members-only goods; the USER_SESSION handed to kmdiag has expired")),
    ("member-banned", "account.not-logged-in",
     T(zh="仅会员可买的商品；该会员已被封禁（接口回答与会话过期完全相同）",
       en="members-only goods; the member is banned (the API answers exactly as for an expired session)")),
    ("member-signed-in", None, T(zh="仅会员可买的商品；会员已登录，会话有效", en="members-only goods; the member is signed in with a valid session")),
]
_PAYMENT = [
    ("never-notified", "payment.callback-missing",
     T(zh="网关已收款，但从未发出回调（网关的通知任务没有运行）", en="the gateway took the money but never sent a callback (its notify job does not run)")),
    ("wrong-epay-key", "payment.signature-invalid",
     T(zh="店铺 Epay 插件里的密钥不对（网关那边已重置密钥）：回调验签失败，runtime.log 记 签名验证失败",
       en="the shop's Epay plugin holds a wrong key (it was reset at the gateway): callbacks fail verification, runtime.log says 签名验证失败")),
    ("proxy-drops-port", "payment.callback-url-wrong",
     T(zh="店铺在非默认端口上，前面的 nginx 按 Debian fastcgi_params 传 HTTP_HOST 不带端口：交给网关的回调地址是 80 端口",
       en="the shop runs on a non-default port behind nginx passing HTTP_HOST without the port (Debian fastcgi_params): the gateway gets a port-80 notify URL")),
]

for _name, _expect, _desc in _ORDER:
    register(_name, ORDER, "order", _desc, _expect)
for _name, _expect, _desc in _PAYMENT:
    register(_name, PAYMENT, "payment", _desc, _expect)


def catalogue(command: str) -> dict[str, Fault]:
    """The faults of ``kmdiag order|payment --demo --platform acg-faka``."""
    return for_command(f"{PLATFORM}/{command}")
