"""How a visit in the shopper's own profile compares with the clean one (pure: probe and checks share it)."""

from __future__ import annotations

from typing import Any

from kmdiag.i18n import T


def outcome(visit: dict[str, Any]) -> dict[str, Any]:
    """The few facts two visits of ``browser.page``'s shape are compared by."""
    orders = [o for o in visit.get("order_requests") or [] if o.get("phase") == "click"]
    blocked = [f for f in visit.get("failed_requests") or [] if "BLOCKED_BY_CLIENT" in (f.get("error") or "").upper()]
    return {"loaded": bool((visit.get("load") or {}).get("ok")), "button": bool((visit.get("button") or {}).get("found")),
            "clicked": bool((visit.get("click") or {}).get("attempted")), "ordered": bool(orders),
            "page_errors": [str(e.get("message")) for e in visit.get("page_errors") or []][:5],
            "blocked": [f"{f.get('method')} {f.get('url')}" for f in blocked][:5],
            "disabled": bool((visit.get("state") or {}).get("disabled"))}


def worse(copy: dict[str, Any] | None, clean: dict[str, Any] | None) -> bool:
    """The copy's visit went wrong where the clean one did not."""
    if not copy or not clean:
        return False
    if clean.get("ordered") and not copy.get("ordered"):
        return True
    if clean.get("loaded") and not copy.get("loaded"):
        return True
    return bool(set(copy.get("page_errors") or []) - set(clean.get("page_errors") or []) or copy.get("blocked"))


def what_went_wrong(o: dict[str, Any]) -> T:
    """One short phrase for a visit's outcome, in both languages."""
    if not o.get("loaded"):
        return T(zh="页面没有打开", en="the page did not load")
    if o.get("blocked"):
        b = ", ".join(o["blocked"][:2])
        return T(zh=f"请求被拦截：{b}", en=f"blocked: {b}")
    if o.get("page_errors"):
        e = o["page_errors"][0][:160]
        return T(zh=f"脚本出错：{e}", en=f"script error: {e}")
    if not o.get("button"):
        return T(zh="找不到下单按钮", en="no order button")
    if o.get("disabled"):
        return T(zh="按钮被禁用", en="the button is disabled")
    if not o.get("ordered"):
        return T(zh="点击没有发出下单请求", en="the click sent no order request")
    return T(zh="能正常下单", en="ordered")
