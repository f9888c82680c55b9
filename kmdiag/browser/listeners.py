"""Is anything listening to the order button? Asked of Chromium's DevTools, not guessed.

A script error only explains a dead button when it stopped the click handler from being bound.
When the handler is there (on the button, delegated to an ancestor, or the button natively
submits its form), the error is noise under whatever really blocks the click (an overlay, a
validation rule). ``DOMDebugger.getEventListeners`` sees listeners added by any library and
inline ``onclick`` attributes; a page cannot hide them. Chromium only: elsewhere (or when the
DevTools session fails) the answer is ``None`` = unknown, and the checks fall back to what the
click itself did.
"""

from __future__ import annotations

import asyncio
from typing import Any

_CLICKISH = {"click", "mousedown", "mouseup", "pointerdown", "pointerup", "touchstart", "touchend", "tap"}
_DEPTH = 12  # ancestors looked at (delegation on the form, a wrapper, body, document)

_NATIVE_SUBMIT = r"""
() => { const el = document.querySelector('[data-kmdiag-target]'); if (!el) return null;
  const f = el.form || null; const t = (el.getAttribute('type') || (el.tagName === 'BUTTON' ? 'submit' : '')).toLowerCase();
  return {native_submit: !!f && ((el.tagName === 'BUTTON' && t === 'submit') || (el.tagName === 'INPUT' && /^(submit|image)$/.test(t))),
          form_action: f ? (f.getAttribute('action') || '') : null, form_method: f ? (f.method || 'get').toUpperCase() : null}; }
"""


async def _listeners(cdp: Any, expr: str, depth: int) -> list[str] | None:
    res = await cdp.send("Runtime.evaluate", {"expression": expr, "objectGroup": "kmdiag"})
    oid = (res.get("result") or {}).get("objectId")
    if not oid:
        return None
    got = await cdp.send("DOMDebugger.getEventListeners", {"objectId": oid, "depth": depth, "pierce": False})
    return sorted({lst.get("type", "") for lst in got.get("listeners") or []})


async def click_binding(page: Any, timeout_s: float = 1.5) -> dict[str, Any] | None:
    """Listeners on the marked order button, its contents and its ancestors, plus native submit."""
    try:
        return await asyncio.wait_for(_binding(page), timeout_s)
    except Exception:  # not Chromium, page gone, DevTools refused: unknown
        return None


async def _binding(page: Any) -> dict[str, Any] | None:
    native = await page.evaluate(_NATIVE_SUBMIT)
    if native is None:
        return None
    cdp = await page.context.new_cdp_session(page)
    try:
        target = "document.querySelector('[data-kmdiag-target]')"
        ancestors: list[dict[str, Any]] = []
        # All levels asked at once (DevTools answers them in order on one session): two round trips
        # instead of two per level. Read up to the first level that does not exist, as one by one.
        exprs = [f"(() => {{ let e = {target}; for (let k = 0; k < {i}; k++) e = e && e.parentNode; return e; }})()"
                 for i in range(1, _DEPTH + 1)]
        # own: the button and what is inside it (a <span> label)
        own_types, *levels, win_types = await asyncio.gather(
            _listeners(cdp, target, -1), *(_listeners(cdp, e, 0) for e in exprs), _listeners(cdp, "window", 0))
        own = own_types or []
        for i, types in enumerate(levels, start=1):
            if types is None:
                break
            if _CLICKISH & set(types) or "submit" in types:
                ancestors.append({"level": i, "types": types})
        win = win_types or []
        await cdp.send("Runtime.releaseObjectGroup", {"objectGroup": "kmdiag"})
    finally:
        try:
            await cdp.detach()
        except Exception:
            pass
    on_self = sorted(_CLICKISH & set(own))
    delegated = [a for a in ancestors if _CLICKISH & set(a["types"])]
    form_submit = any("submit" in a["types"] for a in ancestors)
    return {"on_button": on_self, "delegated": delegated[:5], "window": sorted(_CLICKISH & set(win)),
            "form_submit_listener": form_submit, **native,
            # bound for sure: its own listener, or the browser submits its form natively
            "bound": bool(on_self) or bool(native.get("native_submit"))}
