"""The browser visit's bounded steps: every evaluate, fill and click has an end (a spinning page cannot hold it).

Shared by ``probes/browser.py`` (the visit) and ``probes/_browser_rounds.py`` (screenshot, double click).
"""

from __future__ import annotations

import asyncio
from typing import Any

from kmdiag.probes._context import ProbeContext

# Kept back from every step for the wrap-up (closing the browser, returning what was seen), so that a
# page that hangs or spins is reported by this probe instead of the probe being cut off by the runner.
_RESERVE_S = 1.2


def _within(ctx: ProbeContext, wanted: float, reserve: float = _RESERVE_S) -> float:
    """``wanted`` seconds, or what is left of this probe less the wrap-up reserve (never below 0.1 s)."""
    return max(0.1, min(wanted, ctx.remaining() - reserve))


class _Unresponsive(Exception):
    """The page stopped answering the browser (a script that never yields): the visit ends here."""


async def _eval(ctx: ProbeContext, page: Any, expr: str, arg: Any = None, wanted: float = 3.0) -> Any:
    """``page.evaluate`` with an end: Playwright's own has none, and a spinning script blocks it forever."""
    try:
        return await asyncio.wait_for(page.evaluate(expr, arg), _within(ctx, wanted))
    except TimeoutError:
        raise _Unresponsive from None


async def _safe_eval(ctx: ProbeContext, page: Any, expr: str, arg: Any, default: Any) -> Any:
    """Evaluate after the click, when the page may be navigating away (its context destroyed)."""
    try:
        return await asyncio.wait_for(page.evaluate(expr, arg), _within(ctx, 1.0))
    except Exception:  # TimeoutError too: a page that stopped answering
        return default


async def _fill(page: Any, fill: dict[str, str]) -> list[dict[str, Any]]:
    """Fill the fields one after another (concurrent fills would type into whichever has focus)."""
    res = []
    for sel, value in fill.items():
        try:
            await page.fill(sel, value, timeout=600)
            res.append({"selector": sel, "filled": True})
        except Exception as exc:
            res.append({"selector": sel, "filled": False, "error": str(exc).splitlines()[0][:160]})
    return res
