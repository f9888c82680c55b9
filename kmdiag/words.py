"""Chinese words for the English tokens that measurements carry (order states, endpoint roles,
error kinds, resolver verdicts), and the wrapping of text the target said itself.

Checks and causes put measurements into sentences; in the Chinese half a raw ``unpaid`` or
``static 200`` reads as untranslated English. These helpers give the Chinese word when one is
known and otherwise quote the raw value as the shop's own word (「…」), so a support agent can
still match it against the shop's database. Pure; no I/O.
"""

from __future__ import annotations

import html
import re

from kmdiag.i18n import T

ORDER_STATUS = {
    "unpaid": "未支付", "wait_pay": "待支付", "waiting": "待支付", "pending": "待处理", "paying": "支付中",
    "paid": "已支付", "success": "成功", "succeeded": "成功", "trade_success": "支付成功", "trade_finished": "交易完成",
    "completed": "已完成", "complete": "已完成", "finished": "已完成", "delivered": "已发货", "processing": "处理中",
    "review": "待审核", "reviewing": "审核中", "abnormal": "异常", "failed": "失败", "fail": "失败", "error": "出错",
    "expired": "已过期", "closed": "已关闭", "trade_closed": "交易关闭", "cancelled": "已取消", "canceled": "已取消",
    "refunded": "已退款", "refund": "已退款", "notpay": "未支付", "not_paid": "未支付", "userpaying": "用户支付中",
    "payerror": "支付失败", "revoked": "已撤销", "wait_buyer_pay": "等待买家付款", "not-found": "渠道无此订单",
    "not_found": "渠道无此订单", "unknown": "未知", "paid-pending": "已付款待处理",
}

ENDPOINT = {"static": "静态页", "health": "健康检查", "order-api": "下单接口", "api": "下单接口", "page": "商品页",
            "notify": "回调地址", "account": "账户接口"}

LAYER = {"network": "网络", "platform": "平台", "browser": "浏览器", "account": "账户", "payment": "支付"}

ERROR_KIND = {
    "timeout": "超时", "connect-timeout": "连接超时", "refused": "连接被拒绝", "reset": "连接被重置", "dns": "域名解析失败",
    "tls": "TLS 握手失败", "tls-verify": "证书验证失败", "proxy": "代理出错", "unsupported": "不支持",
    "http": "HTTP 错误", "other": "其他错误", "closed": "连接被关闭", "unreachable": "网络不可达",
}

# Messages of TLS libraries and browsers, with what they mean.
MESSAGE_ZH = (
    (re.compile(r"unable to get local issuer certificate", re.I), "找不到签发者证书（签发者不受信任）"),
    (re.compile(r"self[- ]signed certificate", re.I), "自签名证书"),
    (re.compile(r"certificate has expired", re.I), "证书已过期"),
    (re.compile(r"hostname mismatch|doesn't match|not valid for", re.I), "证书与域名不符"),
    (re.compile(r"ERR_CERT_AUTHORITY_INVALID"), "证书签发者不受信任"),
    (re.compile(r"ERR_CERT_COMMON_NAME_INVALID"), "证书与域名不符"),
    (re.compile(r"ERR_CONNECTION_REFUSED"), "连接被拒绝"),
    (re.compile(r"ERR_CONNECTION_RESET"), "连接被重置"),
    (re.compile(r"ERR_CONNECTION_TIMED_OUT|ERR_TIMED_OUT"), "连接超时"),
    (re.compile(r"ERR_NAME_NOT_RESOLVED"), "域名无法解析"),
    (re.compile(r"ERR_PROXY_CONNECTION_FAILED|ERR_TUNNEL_CONNECTION_FAILED"), "代理连接失败"),
    (re.compile(r"ERR_EMPTY_RESPONSE"), "服务器没有返回任何内容"),
    (re.compile(r"All connection attempts failed|Connection refused", re.I), "连接失败"),
    (re.compile(r"no address for", re.I), "域名没有解析出地址"),
    (re.compile(r"timed? ?out", re.I), "超时"),
    (re.compile(r"certificate verify failed", re.I), "证书验证失败"),
)


def quoted(text: object) -> str:
    """The target's own words, marked as such in Chinese: 「…」."""
    return f"「{text}」"


def status_zh(status: object) -> str:
    """A shop's or provider's state word in Chinese (``unpaid`` → 未支付); unknown words are quoted."""
    if status is None or status == "":
        return "未知"
    key = str(status).strip().lower()
    return ORDER_STATUS.get(key) or quoted(status)


def endpoint_zh(name: object) -> str:
    return ENDPOINT.get(str(name), quoted(name))


def error_kind_zh(kind: object) -> str:
    return ERROR_KIND.get(str(kind or ""), quoted(kind) if kind else "未知错误")


def message_zh(message: object) -> str:
    """A library's or browser's error message: its meaning in Chinese when known, the original quoted."""
    text = str(message or "").strip()
    if not text:
        return "未知错误"
    for rx, zh in MESSAGE_ZH:
        if rx.search(text):
            return f"{zh}（{quoted(text)}）"
    return quoted(text)


_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.I | re.S)
_H1 = re.compile(r"<h1[^>]*>(.*?)</h1>", re.I | re.S)
_TAG = re.compile(r"<[^>]+>")
_LOOKS_HTML = re.compile(r"<\s*(!doctype|html|head|body|title|h1|center|div|p|hr|br)\b", re.I)


def page_text(body: object, limit: int = 120) -> str:
    """What an error page says, without its markup: its <title>, else its <h1>, else its text.

    A reverse proxy's 502 page is ``<html><head><title>502 Bad Gateway</title>...``; a summary wants
    ``502 Bad Gateway``, never the markup (which also would not survive a terminal or a ticket).
    """
    text = str(body or "")
    if not _LOOKS_HTML.search(text):
        return text.strip()[:limit]
    for rx in (_TITLE, _H1):
        m = rx.search(text)
        if m:
            inner = html.unescape(_TAG.sub(" ", m.group(1)))
            inner = " ".join(inner.split())
            if inner:
                return inner[:limit]
    return " ".join(html.unescape(_TAG.sub(" ", text)).split())[:limit]


def layers_text(layers: list[str]) -> T:
    return T(zh="、".join(LAYER.get(x, x) for x in layers), en=", ".join(layers))
