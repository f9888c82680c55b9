"""The visit's side rounds: the annotated screenshot and the double click (called from ``probes/browser.py``).

Only facts, like every probe step. The double click's order requests are always stopped at the edge
(kmdiag/probes/_browser_session.py holds each briefly, as a slow server would), so counting them
never creates an order.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from kmdiag import tempdir
from kmdiag.models import Artifact
from kmdiag.probes import _browser_js as js
from kmdiag.probes import _browser_themes as themes
from kmdiag.probes._browser_base import _eval, _fill, _safe_eval, _within
from kmdiag.probes._context import ProbeContext

_DBL_WAIT_S = 0.45  # for the first order request of the double click
# Then for a second one. Both clicks were handled before dblclick() returned, so both requests had
# left the page by then and reach the route one after the other through the same relay: the second
# comes at most about as long after the first as the first took to arrive (the relay's delay on this
# machine now), here at least 50 ms and at most 150 ms. A fixed 150 ms cost every healthy run as much.
_DBL_SECOND_MIN_S = 0.05
_DBL_SECOND_S = 0.15


async def _screenshot(ctx: ProbeContext, page: Any, state: dict[str, Any] | None, fill_sels: list[str]) -> str | None:
    """The product page with the button outlined (and what covers it, in another colour)."""
    ev = ctx.opt("evidence_dir")
    if not (ev or ctx.opt("screenshot")):
        # Nowhere it would outlive the run: without --evidence (or an HTML report, which embeds it)
        # the file went with the run's temp dir, so the report named a path that was already gone;
        # and the picture cost a healthy run about 0.3 s (measured: 2.72 s against 2.40 s, 8 pairs).
        return None
    directory = Path(ev) if ev else Path(tempdir.mkdtemp("shot-"))  # removed at the run's end
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "order-page.png"
    cover = None
    if state and state.get("hit_relation") == "other":
        cover = (state.get("hit") or {}).get("box")
    try:
        zh = ctx.options.get("lang") == "zh"  # the picture's labels speak the report's language
        labels = ["下单按钮", "遮挡按钮的元素"] if zh else ["order button", "covering element"]
        await _eval(ctx, page, js.OUTLINE, [state.get("box") if state else None, cover, labels], 1.0)
        masks = [page.locator(sel) for sel in fill_sels]  # the shopper's phone/e-mail never lands in a picture
        await page.screenshot(path=str(path), mask=masks, mask_color="#8b949e", timeout=_within(ctx, 2.0) * 1000)
        await _eval(ctx, page, js.REMOVE_OUTLINE, None, 1.0)
    except Exception:  # _Unresponsive included: a picture is not worth the rest of the visit
        return None
    if ctx.options.get("lang") == "zh":
        desc = "商品页，已框出下单按钮" if state else "浏览器中看到的商品页"
    else:
        desc = "product page, order button outlined" if state else "product page as the browser showed it"
    ctx.artifacts.append(Artifact("screenshot", str(path), desc))
    return str(path)


async def _double_click(ctx: ProbeContext, page: Any, s: Any, url: str, navigated: bool) -> dict[str, Any]:
    """Double-click the button once and count the order requests that leave (each is stopped)."""

    order = ctx.profile.order
    state = await _safe_eval(ctx, page, js.BUTTON_STATE, None, {})
    if navigated or not state.get("present") or state.get("disabled") or not state.get("visible"):
        s.phase = "reload"
        await page.goto(url, wait_until="load", timeout=_within(ctx, 4.0) * 1000)
        await s.settle(1.0)
        await _eval(ctx, page, js.FIND_BUTTON, order.button)
        await _fill(page, order.fill)
        await themes.refill(ctx, page, _eval)
        state = await _eval(ctx, page, js.BUTTON_STATE)
    if not state.get("present") or not state.get("visible") or state.get("disabled"):
        return {"attempted": False}
    s.phase = "dblclick"
    c = state["center"]
    try:
        await asyncio.wait_for(page.mouse.dblclick(c["x"], c["y"]), _within(ctx, 2.0))
    except TimeoutError:
        return {"attempted": True, "hung": True, "order_requests": len([o for o in s.orders if o["phase"] == "dblclick"])}
    # mouse.dblclick returns once the page has handled both clicks; their fetches reach the route
    # soon after (the route holds each one a while, as a slow server would, then stops it). The
    # wait ends early on a second request; on a busy machine the relay may take a few hundred ms.
    start = time.monotonic()
    first_at = None
    second_s = _DBL_SECOND_S
    while time.monotonic() - start < _DBL_WAIT_S:
        n = len([o for o in s.orders if o["phase"] == "dblclick"])
        if n >= 2:
            break
        if n == 1 and first_at is None:
            first_at = time.monotonic()
            second_s = min(_DBL_SECOND_S, max(_DBL_SECOND_MIN_S, first_at - start))
        if first_at is not None and time.monotonic() - first_at > second_s:
            break
        await asyncio.sleep(0.02)
    s.phase = "done"
    return {"attempted": True, "order_requests": len([o for o in s.orders if o["phase"] == "dblclick"])}
