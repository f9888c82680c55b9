"""Browser checks, part 3: is the item in stock, and does a captcha stand before the final submit.

Why sold out is its own finding: a sold-out item hides or disables the order button (acg-faka keeps
``.cash-pay`` hidden and shows a red 已售罄 badge; reference §7.1), which otherwise reads as a theme
that lost its button. The page's own words near the order form decide (``order.sold_out_texts``),
or the order API's refusal (库存不足) when the order really went out. Pure: the probe read the page.
"""

from __future__ import annotations

from typing import Any

from kmdiag.checks.browser import PAGE, page_data
from kmdiag.i18n import T
from kmdiag.models import Status
from kmdiag.registry import CheckContext, CheckResult, check


def _api_says_sold_out(d: dict[str, Any], texts: list[str], codes: dict[str, str]) -> dict[str, Any] | None:
    """An order answer (really sent) whose message names sold out, or that the profile maps to it."""
    low = [t.lower() for t in texts]
    for o in d.get("order_requests") or []:
        msg = str(o.get("json_msg") or "")
        if not msg or o.get("intercepted"):
            continue
        mapped = [k for k, v in codes.items() if v == "platform.sold-out" and k in msg]
        if mapped or any(t in msg.lower() for t in low):
            return {"message": msg, "code": o.get("json_code"), "status": o.get("status"), "url": o.get("url")}
    return None


def _button_blocked(d: dict[str, Any]) -> bool:
    b, st = d.get("button") or {}, d.get("state") or {}
    return (not b.get("found") or not b.get("visible") or bool(st.get("disabled"))
            or not (d.get("click") or {}).get("attempted"))


@check("browser.in-stock", layer="browser", needs=(PAGE,), after=("browser.page-load",),
       title=T(zh="商品有货（页面没有显示售罄）", en="The item is in stock (the page does not say sold out)"))
def in_stock(c: CheckContext) -> CheckResult:
    d = page_data(c)
    order = c.profile.order
    api = _api_says_sold_out(d, list(order.sold_out_texts), dict(order.error_codes))
    if api:
        return CheckResult(Status.FAIL, T(zh=f"下单接口回复：「{api['message']}」——商品已售罄/库存不足",
                                          en=f"the order API answered 「{api['message']}」: the item is sold out"),
                           {"from": "order-api", "api": api, "where": "order-api"})
    found = d.get("sold_out") or []
    near = [m for m in found if m.get("near")]
    ev: dict[str, Any] = {"matches": found[:5], "texts": list(order.sold_out_texts)}
    if near or (found and _button_blocked(d)):
        m = (near or found)[0]
        ev.update({"from": "page", "where": "near-form" if near else "page", "text": m.get("text"),
                   "button_blocked": _button_blocked(d)})
        if not _button_blocked(d):  # the button still works: a sold-out variant or a badge elsewhere
            return CheckResult(Status.WARN, T(zh=f"页面在下单区域显示「{m.get('text')}」，但下单按钮仍可用",
                                              en=f"the page shows 「{m.get('text')}」 near the order form, yet the button still works"), ev)
        return CheckResult(Status.FAIL, T(zh=f"页面显示「{m.get('text')}」：商品已售罄，下单按钮因此不可用",
                                          en=f"the page says 「{m.get('text')}」: the item is sold out, which is why the order button is unavailable"), ev)
    return CheckResult(Status.PASS, T(zh="页面没有显示售罄或缺货", en="the page shows no sold-out or out-of-stock notice"), ev)
