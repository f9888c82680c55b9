"""The wait between ``load`` and the first look: for an order button that a script builds later.

acg-faka's pay buttons appear 0.2–0.9 s after ``load`` on an idle machine (after two XHRs and a
fade-in; reference §7.1), later under load. Looking once right after ``load`` reports
``frontend.button-missing`` for a healthy shop; sleeping a fixed time is wrong on a busy machine.
So the wait is driven by events on both sides: the page resolves on DOM mutations (``WAIT_BUTTON``
with the ``MUTATIONS`` init script), Python wakes on the page's own request events (the session's
in-flight set), and the page counts as settled only when both have been quiet for ``_QUIET_S``.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from kmdiag.probes import _browser_js as js
from kmdiag.probes._context import ProbeContext

_QUIET_S = 0.4  # no DOM change and no request of the page for this long = the page has settled
_CLICK_NEEDS_S = 3.0  # kept back from the wait for the inspection, the click and its feedback


async def wait_for_button(ctx: ProbeContext, page: Any, s: Any, evaluate: Any, reserve_s: float) -> dict[str, Any]:
    """After ``load``: wait for the order button a script builds (acg-faka: after two XHRs and a fade-in).

    Ends as soon as the profile's selector matches a visible element, or once the page has settled
    (none of its requests in flight and no DOM change for ``_QUIET_S``), or when the budget is spent
    (``order.button_wait_ms``, within what the probe has left). Event-driven throughout: the page
    resolves on mutations, Python wakes on the page's request events, so a busy machine only makes
    the wait longer, never the verdict different.
    """
    sel = ctx.profile.order.button
    budget = max(0.0, min(ctx.profile.order.button_wait_ms / 1000, ctx.remaining() - reserve_s - _CLICK_NEEDS_S))
    start = time.monotonic()
    end = start + budget
    rounds = 0
    res: dict[str, Any] = {"why": "budget", "found": False}
    while True:
        rounds += 1
        left = end - time.monotonic()
        if left <= 0.02:
            res = {**res, "why": "budget" if not res.get("found") else res["why"]}
            break
        try:
            res = await evaluate(ctx, page, js.WAIT_BUTTON, [sel, int(_QUIET_S * 1000), int(left * 1000)], left + 1.0)
        except TimeoutError:
            raise
        except Exception as exc:  # the page navigated meanwhile (its context was destroyed): look at the new one
            if type(exc).__name__ == "_Unresponsive":
                raise
            try:
                await page.wait_for_load_state("load", timeout=max(100, (end - time.monotonic()) * 1000))
            except Exception:
                pass
            res = {"why": "navigated", "found": False}
            continue
        if res.get("found") or res.get("why") == "cap":
            break
        busy = s.busy(_QUIET_S)  # the DOM is quiet; is the page's network quiet too?
        if busy <= 0:
            break
        await s.wait_idle(min(busy, end - time.monotonic()))
        rest = s.busy(_QUIET_S)
        if rest > 0 and not s._open:
            await asyncio.sleep(min(rest, max(0.0, end - time.monotonic())))  # the rest of the quiet window
    return {"why": res.get("why"), "found": bool(res.get("found")), "selector": sel, "rounds": rounds,
            "waited_ms": int((time.monotonic() - start) * 1000), "budget_ms": int(budget * 1000),
            "mutations": res.get("mutations")}
