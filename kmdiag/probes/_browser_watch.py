"""After the click: wait for the page's answer on its own events, not on a timer (``browser.page``).

The shopper's question is "did anything happen?": new visible text, a dialog, a navigation, the
order's answer. The visible text used to be read every 50 ms for the whole feedback window — on a
page that never answers, 30 reads of ``innerText`` across the DevTools pipe, and the last read ending
up to 50 ms after the window. Now the page itself waits for its next DOM change (a MutationObserver,
beside the one ``js.MUTATIONS`` installs), in slices of at most ``_SLICE_S`` so that what Python sees
(dialogs, navigations, the order request) is looked at as often as before, and the text is read only
after something changed, at most every ``_MIN_READ_S`` (a page that mutates all the time, a ticker or
a countdown, cannot make this spin). The window ends at its deadline, not after it.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from kmdiag.probes import _browser_js as js

_SLICE_S = 0.1
_MIN_READ_S = 0.05

# Resolves with the page's mutation count as soon as it differs from ``seen`` (at once when it already
# does), or after ``ms``; -1 where the count is not kept (no init script): then the text is read.
NEXT_CHANGE = r"""
([seen, ms]) => new Promise((resolve) => {
  const st = window.__kmdiagMut;
  if (!st) { setTimeout(() => resolve(-1), ms); return; }
  if (st.count !== seen) { resolve(st.count); return; }
  let mo = null;
  const t = setTimeout(() => { if (mo) mo.disconnect(); resolve(st.count); }, ms);
  try {
    mo = new MutationObserver(() => { clearTimeout(t); mo.disconnect(); resolve(st.count); });
    mo.observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
  } catch (e) {}
})
"""


async def watch_feedback(s: Any, before: list[str], feedback_ms: int, cap_s: float, success_sel: str | None,
                         ) -> dict[str, Any]:
    """Stop as soon as the order's answer and a visible change are both seen, or at the window's end."""
    start = time.monotonic()
    end = start + min(feedback_ms / 1000, cap_s)
    before_set = set(before)
    new_text: list[str] = []
    seen: int | None = None  # the mutation count the text was last read at (None: not read yet)
    last_read = start
    while (left := end - time.monotonic()) > 0:
        try:  # bounded: a page whose script never yields would block evaluate forever
            count = await asyncio.wait_for(s.page.evaluate(NEXT_CHANGE, [seen, int(min(_SLICE_S, left) * 1000)]),
                                           min(_SLICE_S, left) + 0.5)
        except Exception:  # navigation in progress, or the page stopped answering: read again
            count = -2
        if count != seen or count < 0:
            wait = last_read + _MIN_READ_S - time.monotonic()
            if wait > 0:
                await asyncio.sleep(min(wait, max(0.0, end - time.monotonic())))
            try:
                now = await asyncio.wait_for(s.page.evaluate(js.VISIBLE_TEXT), max(0.1, end - time.monotonic()))
            except Exception:
                now = []
            last_read = time.monotonic()
            seen = count if isinstance(count, int) and count >= 0 else None
            new_text = [t for t in now if t not in before_set][:10]
        visible = bool(new_text or s.dialogs or s.navigations)
        ordered = any(o["phase"] == "click" for o in s.orders)
        if ordered and visible and s._order_done():
            await asyncio.sleep(0.05)
            break
        if not ordered and visible and time.monotonic() - start > 0.35:
            break
    success = None
    if success_sel:
        try:
            success = await asyncio.wait_for(s.page.locator(success_sel).first.is_visible(timeout=100), 0.5)
        except Exception:
            success = False
    return {"new_text": new_text, "dialogs": [d for d in s.dialogs if d["phase"] == "click"],
            "navigated_to": s.navigations[:3], "success_visible": success,
            "waited_ms": int((time.monotonic() - start) * 1000)}
