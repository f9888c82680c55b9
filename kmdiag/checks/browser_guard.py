"""Browser check: what the read-only guard stopped, so the report says it plainly — and never more.

Why a finding of its own: a shopper or operator must be able to see that the diagnosis wrote nothing
to the shop (every stopped request with method, URL without query, phase, how and what the page saw),
and a stop the browser did not confirm is said to be unconfirmed, never counted as stopped. Pure: the
probe recorded the stops as they happened.
"""

from __future__ import annotations

from collections import Counter

from kmdiag.checks.browser import PAGE, page_data
from kmdiag.i18n import T
from kmdiag.models import Status
from kmdiag.registry import CheckContext, CheckResult, check

_WHY_ZH = {"order-request": "下单请求", "named-write": "配置中的写操作", "default-deny": "其他写请求",
           "closing": "关闭时的请求", "beacon-or-keepalive": "beacon/keepalive"}


@check("browser.read-only", layer="browser", needs=(PAGE,), after=("browser.launch",),
       title=T(zh="只读保护：诊断拦下（或按 --submit 放行）的写请求",
               en="Read-only guard: the writes the diagnosis stopped (or let through with --submit)"))
def read_only(c: CheckContext) -> CheckResult:
    g = page_data(c).get("guard") or {}
    if not g:
        return CheckResult(Status.SKIP, T(zh="浏览器没有运行", en="the browser did not run"), {})
    stopped, failures = g.get("stopped") or [], g.get("stop_failures") or []
    let = g.get("writes_let_through") or []
    by = Counter(s.get("why") for s in stopped)
    parts_zh = "、".join(f"{_WHY_ZH.get(k, k)} {n} 个" for k, n in by.most_common())
    parts_en = ", ".join(f"{n} {k}" for k, n in by.most_common())
    ev = {"policy": g.get("policy"), "stopped": stopped[:30], "stopped_count": g.get("stopped_count", len(stopped)),
          "stop_failures": failures, "writes_let_through": let}
    if failures:
        f = failures[0]
        return CheckResult(Status.WARN, T(
            zh=f"有 {len(failures)} 个写请求未能确认被拦下（如 {f.get('method')} {f.get('url')}：{f.get('error')}）；不能保证店铺没有收到",
            en=f"{len(failures)} write request(s) could not be confirmed stopped (e.g. {f.get('method')} {f.get('url')}: "
               f"{f.get('error')}); the shop may have received them"), ev)
    if (g.get("policy") or {}).get("submit"):
        return CheckResult(Status.PASS, T(zh=f"按 --submit（或配置 order.submit）放行了 {len(let)} 个写请求；配置中的其他写操作仍被拦下（{len(stopped)} 个）",
                                          en=f"--submit (or order.submit) let {len(let)} write request(s) through; the profile's "
                                             f"other writes were still stopped ({len(stopped)})"), ev)
    if not stopped:
        return CheckResult(Status.PASS, T(zh="页面没有尝试任何写请求", en="the page attempted no write"), ev)
    return CheckResult(Status.PASS, T(zh=f"只读诊断：拦下了 {len(stopped)} 个写请求（{parts_zh}），都没有到达店铺",
                                      en=f"read-only diagnosis: {len(stopped)} write request(s) stopped ({parts_en}); "
                                         "none reached the shop"), ev)
