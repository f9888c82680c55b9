"""The browser visit's steps for pages as real themes build them (called from ``probes/browser.py``).

* before the click: fill what a buyer would fill (:mod:`kmdiag.browser.fill`), ask DevTools whether
  the button has a click handler (:mod:`kmdiag.browser.listeners`), name what covers it
  (:data:`kmdiag.browser.feedback.COVER`), and start watching for toasts and dialogs;
* after the click: what appeared (toasts, library dialogs) and each field's validity.

Only facts, like every probe step; ``checks/browser*.py`` judge them.
"""

from __future__ import annotations

from typing import Any

from kmdiag.browser import feedback, fill, listeners

_KEEP_S = 3.0  # left for the click, the watch and the wrap-up when filling fields


async def fill_buyer(ctx: Any, page: Any, out: dict[str, Any], evaluate: Any) -> None:
    """Fill the fields the profile does not name; the values join the run's redactor.

    A profile field whose fill timed out (a loaded machine misses Playwright's actionability wait)
    is set once more the way a script would, so that an empty field is not blamed on the shop.
    """
    for f in out.get("fill") or []:
        if not f.get("filled"):
            again = await fill.apply(page, [{"selector": f["selector"], "kind": "text", "fill": True,
                                             "value": ctx.profile.order.fill.get(f["selector"], "")}],
                                     lambda: ctx.remaining() - _KEEP_S)
            if again and again[0].get("filled"):
                f.update(filled=True, how="retry")
    planned = await fill.plan(page, ctx.profile.order.fill, lambda p, e, a: evaluate(ctx, p, e, a))
    done = await fill.apply(page, planned or [], lambda: ctx.remaining() - _KEEP_S)
    fill.register_values(ctx.state.get("redactor"), done)
    out["autofill"] = done


def filled_selectors(out: dict[str, Any]) -> list[str]:
    """Selectors of the fields kmdiag typed into (masked in the screenshot like the profile's)."""
    return [p["selector"] for p in out.get("autofill") or [] if p.get("filled") and p.get("kind") not in ("radio", "checkbox", "select")]


async def inspect_blockers(ctx: Any, page: Any, out: dict[str, Any], state: dict[str, Any] | None, evaluate: Any) -> None:
    """Whether the button is bound, and what exactly covers it when something does."""
    await inspect_cover(ctx, page, out, state, evaluate)
    await inspect_binding(ctx, page, out, state)


async def inspect_cover(ctx: Any, page: Any, out: dict[str, Any], state: dict[str, Any] | None, evaluate: Any) -> None:
    """What exactly covers the button when something does (before anything of kmdiag's is drawn)."""
    if state and state.get("present") and state.get("hit_relation") == "other" and state.get("center"):
        c = state["center"]
        out["cover"] = await evaluate(ctx, page, feedback.COVER, [c["x"], c["y"]], 1.0)


async def inspect_binding(ctx: Any, page: Any, out: dict[str, Any], state: dict[str, Any] | None) -> None:
    """Whether the button is bound (DevTools' listener walk: reads only, so it may run beside the picture)."""
    if state and state.get("present"):
        out["binding"] = await listeners.click_binding(page, min(1.5, max(0.2, ctx.remaining() - 2.0)))


async def watch(ctx: Any, page: Any, evaluate: Any) -> None:
    await evaluate(ctx, page, feedback.WATCH, None, 1.0)


async def after_click(ctx: Any, page: Any, out: dict[str, Any], safe_evaluate: Any) -> None:
    """Toasts and dialogs that appeared after the click, and every field's validity."""
    fb = out.setdefault("feedback", {})
    fb["toasts"] = (await safe_evaluate(ctx, page, feedback.READ, None, None)) or []
    out["fields_after"] = await safe_evaluate(ctx, page, fill.VALIDITY, list(ctx.profile.order.fill), [])


async def refill(ctx: Any, page: Any, evaluate: Any) -> None:
    """After a reload (the double-click round): the same buyer's values again."""
    planned = await fill.plan(page, ctx.profile.order.fill, lambda p, e, a: evaluate(ctx, p, e, a))
    await fill.apply(page, planned or [], lambda: ctx.remaining() - _KEEP_S)
