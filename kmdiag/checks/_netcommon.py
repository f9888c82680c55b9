"""Helpers shared by the network checks: error-kind wording, the proxy rule."""

from __future__ import annotations

from collections import Counter

from kmdiag.i18n import T
from kmdiag.models import Status
from kmdiag.registry import CheckContext, CheckResult

_ERR_ZH = {"refused": "连接被拒绝", "connect-timeout": "连接超时", "timeout": "已连接但一直没有回应",
           "tls": "TLS 握手/证书错误", "reset": "连接被重置", "proxy": "代理出错", "dns": "域名无法解析",
           "unreachable": "网络不可达", "connect": "连接失败"}


CERT_ZH = {"untrusted": "不受信任的签发者", "expired": "已过期", "hostname": "域名不符", "issuer": "签发者不在预期之列"}


def err_zh(kind: str | None) -> str:
    return _ERR_ZH.get(kind or "", kind or "未知错误")


def behind_working_proxy(c: CheckContext) -> bool:
    """True when the browser reaches the shop through a proxy that works: then the direct path
    (local DNS, direct TCP/TLS) is not what the shopper uses, and its failures are only notes."""
    d = c.data("network.proxy")
    chk = d.get("check") or {}
    scheme = (d.get("proxy") or {}).get("scheme") or ""
    return bool(d.get("applies") and chk.get("connect_ok") and (chk.get("tunnel_status") == 200 or scheme.startswith("socks")))


def direct_only(c: CheckContext, r: CheckResult) -> CheckResult:
    """Downgrade a failure of the direct path to a warning when a working proxy carries the traffic."""
    if r.status != Status.FAIL or not behind_working_proxy(c):
        return r
    r.evidence["behind_proxy"] = True
    return CheckResult(Status.WARN, T(zh=r.summary.zh + "（但浏览器经由可用的代理访问，直连结果仅供参考）",
                                      en=r.summary.en + " (but the browser goes through a working proxy; the direct path is only a note)"),
                       r.evidence)


def dominant(kinds: list[str | None]) -> str | None:
    ks = [k for k in kinds if k]
    return Counter(ks).most_common(1)[0][0] if ks else None
