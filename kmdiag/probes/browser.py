"""Browser probes: a real headless visit to the product page, and the browsers installed here.

``browser.page`` opens the shop's product page in a real Chromium, finds the order button, fills
the form with the profile's known-valid values, clicks it like a person (a mouse click at the
button's centre, so whatever covers it gets the click) and records what the page and the network
did. It only gathers facts; ``kmdiag/checks/browser*.py`` judge them. Playwright is imported
inside the probe so that ``kmdiag --help`` stays fast.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from kmdiag import tempdir
from kmdiag.browser.prelaunch import chromium_ua as _chromium_ua
from kmdiag.browser.prelaunch import launch_plan
from kmdiag.models import Artifact
from kmdiag.probes import ProbeContext
from kmdiag.probes import _browser_js as js
from kmdiag.probes import _browser_themes as themes
from kmdiag.probes._browser_base import _RESERVE_S, _eval, _fill, _safe_eval, _Unresponsive, _within
from kmdiag.probes._browser_env import host_map_for
from kmdiag.probes._browser_rounds import _double_click, _screenshot
from kmdiag.probes._browser_wait import wait_for_button
from kmdiag.registry import probe
from kmdiag.session import browser_session
from kmdiag.useragent import browser_user_agent


@probe("browser.page", layer="browser", timeout=15.0)
async def page_probe(ctx: ProbeContext) -> dict[str, Any]:
    """Open the product page in a real browser, find and click the order button, record what happens."""
    demo = ctx.state.get("demo")
    started = time.monotonic()
    host_map, map_source = host_map_for(ctx, demo)
    plan = launch_plan(ctx.options, demo, host_map)
    pre = ctx.state.get("prelaunch")  # Chromium started while the run started (_browser_prelaunch.py)
    launched = await pre.take(plan, _within(ctx, 8.0)) if pre is not None else None
    if launched is not None:
        return await _use(ctx, launched, started, 0, map_source, pre.user_agent, pre.marks, pre)
    from playwright.async_api import async_playwright

    from kmdiag.browser.launcher import launch

    async with async_playwright() as pw:
        driver_ms = int((time.monotonic() - started) * 1000)
        args, explicit, environ = plan
        launched = await launch(pw, explicit=explicit, environ=environ, args=list(args), timeout_s=_within(ctx, 8.0))
        return await _use(ctx, launched, started, driver_ms, map_source, None, None)


async def _use(ctx: ProbeContext, launched: Any, started: float, driver_ms: int, map_source: str | None,
               user_agent: str | None, pre_marks: dict[str, int] | None, pre: Any = None) -> dict[str, Any]:
    """The visit in a launched browser, closed afterwards (bounded: a hung page cannot keep it); a
    pre-launched one closes while the report is made (``Prelaunch.close_later``: its pages are parked)."""
    if not launched.ok:
        assert launched.message is not None
        return {"launched": False, "unavailable": launched.message.as_dict(), "tried": launched.tried}
    browser = launched.browser
    cand = launched.candidate
    data: dict[str, Any] = {
        "launched": True,
        "browser": {"name": browser.browser_type.name, "version": browser.version, "how": cand.kind if cand else None,
                    "executable": cand.describe() if cand else None},
        "launch_ms": int((time.monotonic() - started) * 1000),
        "driver_ms": driver_ms,
        "resolver_rules_from": map_source,
        "submit": bool(ctx.opt("submit")),
    }
    if pre_marks is not None:  # started before the probe: when (ms after the run's start) it was ready
        data["prelaunched"] = dict(pre_marks)
    if user_agent:
        ctx.state["chromium_ua"] = (browser, user_agent)
    try:
        data.update(await _visit(ctx, browser))
        data["visit_ms"] = int((time.monotonic() - started) * 1000) - data["launch_ms"]
    finally:
        try:
            await (pre.close_later(browser) if pre is not None
                   else asyncio.wait_for(browser.close(), max(0.3, min(2.0, ctx.remaining() - 0.1))))
        except Exception:
            pass
        guard = ctx.state.get("browser_guard")
        if guard is not None:  # again after the close: a stop while closing is in the record too
            data["guard"] = guard.summary()
    return data


async def _visit(ctx: ProbeContext, browser: Any, context: Any = None, guard: Any = None) -> dict[str, Any]:
    """One visit. ``context``: run it in this (e.g. persistent) context instead of a new clean one;
    ``guard(page, session)``: put every request through ``session.route`` some other way than
    ``page.route`` (which turns the HTTP cache off; kmdiag/probes/my_browser.py needs the cache)."""
    from kmdiag.probes._browser_guard import Guard, quiesce
    from kmdiag.probes._browser_guard import short_url as _short
    from kmdiag.probes._browser_session import Session

    order = ctx.profile.order
    url = ctx.profile.url(order.product_url)
    parts = urlsplit(url)
    t_setup = time.monotonic()
    ev_dir = ctx.opt("evidence_dir")
    # Raw HAR / console / trace may hold cookies: a private (0700) temp dir, only when asked for;
    # kmdiag/evidence.py redacts and copies them from ctx.state["browser_files"].
    # Inside the run's scratch evidence dir when there is one, so it is removed with it.
    raw_dir = None
    if ev_dir:
        raw_dir = Path(ev_dir) / "raw"
        raw_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    elif ctx.opt("trace"):
        raw_dir = Path(tempdir.mkdtemp("browser-"))  # removed with the run's one temp dir
    files: dict[str, str] = {}
    kw: dict[str, Any] = {"viewport": {"width": 1280, "height": 900}, "locale": "zh-CN", "service_workers": "block"}
    if ev_dir and raw_dir:
        kw["record_har_path"] = str(raw_dir / "order.har")
    own_context = context is None
    if context is None:
        known = ctx.state.get("chromium_ua")  # asked by the pre-launch while nothing waited for it
        ua = known[1] if known and known[0] is browser else await _chromium_ua(browser, _within(ctx, 1.5))
        kw["user_agent"] = browser_user_agent(ua)
        context = await browser.new_context(**kw)
    else:  # a context made elsewhere (the user's own browser profile): kmdiag's name goes in as a header
        kw["user_agent"] = browser_user_agent(await _chromium_ua(context.browser, _within(ctx, 1.5)))
        await context.set_extra_http_headers({"User-Agent": kw["user_agent"]})
    # The same session the account probe sends (token from --token-env or the profile's variable).
    jar, auth = browser_session(ctx.profile, ctx.secrets, ctx.options)
    headers = {k.lower(): v for k, v in auth.items()}  # merged into Playwright's lower-case header dicts
    if jar:
        await context.add_cookies(jar)
    if ctx.opt("trace"):
        await context.tracing.start(screenshots=True, snapshots=True)
    submit = bool(ctx.opt("submit"))
    s = Session(None, order_rule=order.order_request, submit=submit, auth=headers)
    s.origin = f"{parts.scheme}://{parts.netloc}"
    s.api = ctx.profile.api
    # The read-only guard covers the context's whole life (every page, popup, frame, worker), installed
    # before the first page exists; see _browser_guard.py for what it stops and why.
    s.guard = Guard(ctx.profile, url, submit=submit, phase=lambda: s.phase, ms=s.ms)
    # js.MUTATIONS: when the DOM last changed, for the settle wait (installed in the same call).
    await s.guard.install(context, s.route if guard is None else None, extra_init=js.MUTATIONS)
    ctx.state["browser_guard"] = s.guard
    context.on("page", lambda p: s.popups.append({"url": _short(p.url), "phase": s.phase, "t_ms": s.ms()}))
    s.page = page = await context.new_page()
    s.popups.clear()  # the probe's own page is not a popup
    s.attach()
    if guard is not None:  # the caller routes every request through session.route its own way
        await guard(page, s)
    out: dict[str, Any] = {"url": f"{parts.scheme}://{parts.netloc}{parts.path}", "order_rule": order.order_request,
                           "logged_in": bool(headers or jar), "user_agent": kw["user_agent"],
                           "setup_ms": int((time.monotonic() - t_setup) * 1000)}  # context, guard, page
    try:
        out.update(await _steps(ctx, page, s))
    finally:
        s.phase = "closing"
        _q = time.monotonic()
        if own_context:  # a caller's context (my-browser) goes on after the visit and is closed by its owner
            await quiesce(context, s, max(0.05, min(1.5, ctx.remaining() - 0.5)))
        else:  # no held request may outlive the visit in it either
            await s.drain(max(0.1, min(1.0, ctx.remaining() - 0.8)))
        out["quiesce_ms"] = int((time.monotonic() - _q) * 1000)
        out.update(console=s.console[:50], page_errors=s.page_errors[:20], failed_requests=s.failed[:30],
                   http_errors=s.http_errors[:30], dialogs=s.dialogs[:10], dialog_count=s.dialog_count,
                   requests_after_click=s.after_click[:40], order_requests=s.orders[:10])
        out["popups"] = s.popups[:10]
        try:
            if ctx.opt("trace") and raw_dir:
                await context.tracing.stop(path=str(raw_dir / "trace.zip"))
                files["trace"] = str(raw_dir / "trace.zip")
                if not ev_dir:  # no bundle to copy it into: point the developer at it directly
                    ctx.artifacts.append(Artifact("trace", files["trace"], "Playwright trace: playwright show-trace"))
            if ev_dir or ctx.opt("trace"):  # the HAR is written when the context closes
                await asyncio.wait_for(context.close(), max(0.2, min(3.0, ctx.remaining() - 0.6)))
        except Exception:
            pass
        out["guard"] = s.guard.summary()  # a live list: stops during the close are in it too
        if ev_dir and raw_dir:
            con = raw_dir / "console.log"
            con.write_text("\n".join(json.dumps(c, ensure_ascii=False) for c in s.console + s.page_errors),
                           encoding="utf-8")
            files["console"] = str(con)
            if (raw_dir / "order.har").exists():
                files["har"] = str(raw_dir / "order.har")
        if files:
            ctx.state["browser_files"] = files
    return out


async def _steps(ctx: ProbeContext, page: Any, s: Any) -> dict[str, Any]:
    order = ctx.profile.order
    url = ctx.profile.url(order.product_url)
    out: dict[str, Any] = {}
    t = time.monotonic()
    marks = out["steps_ms"] = {}

    def mark(name: str) -> None:
        marks[name] = int((time.monotonic() - t) * 1000)

    load_s = _within(ctx, _load_timeout(ctx))
    try:
        resp = await page.goto(url, wait_until="load", timeout=load_s * 1000)
        out["load"] = {"ok": True, "status": resp.status if resp else None, "ms": int((time.monotonic() - t) * 1000)}
    except Exception as exc:
        first = (str(exc).splitlines() or [""])[0].removeprefix("Page.goto: ")
        out["load"] = {"ok": False, "error": first.split(" at http")[0][:300], "ms": int((time.monotonic() - t) * 1000),
                       "timeout": "Timeout" in type(exc).__name__, "timeout_s": round(load_s, 1)}
        if "Timeout" not in type(exc).__name__:  # the browser's own error page (DNS, TLS...) says why
            out["screenshot"] = await _screenshot(ctx, page, None, [])
        return out
    mark("loaded")
    try:
        return await _inspect_and_click(ctx, page, s, out, mark)
    except _Unresponsive:
        out["load"].update(ok=False, unresponsive=True, timeout=False,
                           error="the page stopped responding: a script on it never yields", ms=s.ms())
        return out


async def _inspect_and_click(ctx: ProbeContext, page: Any, s: Any, out: dict[str, Any], mark: Any) -> dict[str, Any]:
    """After the load: find, fill, click, watch. Raises _Unresponsive when the page stops answering."""
    order = ctx.profile.order
    url = ctx.profile.url(order.product_url)
    out["wait"] = await wait_for_button(ctx, page, s, _eval, _RESERVE_S)
    mark("settled")
    out.update(await _eval(ctx, page, js.FIRST_LOOK, [order.button, order.captcha, list(order.sold_out_texts)]))
    button, captcha = out["button"], out["captcha"]
    out["fill"] = await _fill(page, order.fill)
    await themes.fill_buyer(ctx, page, out, _eval)  # what a buyer fills beyond the profile's fields
    # Read-only looks that do not need each other's answer are sent together (evaluations on one page
    # run in the order they were sent): one round trip instead of two on a starved machine.
    out["inputs_before"], state = await asyncio.gather(
        _eval(ctx, page, js.INPUTS, list(order.fill)), _eval(ctx, page, js.BUTTON_STATE) if button.get("found") else _none())
    out["state"] = state
    await themes.inspect_cover(ctx, page, out, state, _eval)
    # The picture beside the listener walk: DevTools only reads listeners, and the outline changes
    # no listener, so neither changes what the other sees.
    _, out["screenshot"] = await asyncio.gather(
        themes.inspect_binding(ctx, page, out, state),
        _screenshot(ctx, page, state, list(order.fill) + themes.filled_selectors(out)))
    mark("inspected")
    mark("screenshot")
    reason = None
    if not button.get("found"):
        reason = "no-button"
    elif captcha:
        reason = "captcha"
    elif not state or not state.get("visible"):
        reason = "not-visible"
    click: dict[str, Any] = {"attempted": reason is None, "not_attempted_because": reason}
    out["click"] = click
    if reason is not None:
        return out
    before = await _eval(ctx, page, js.VISIBLE_TEXT)
    await themes.watch(ctx, page, _eval)
    s.phase = "click"
    c = state["center"]
    click["at_ms"] = s.ms()
    try:  # a click handler that never returns (an alert() loop) would block mouse.click forever
        await asyncio.wait_for(page.mouse.click(c["x"], c["y"]), _within(ctx, 2.0))
    except TimeoutError:
        click["hung"] = True
        raise _Unresponsive from None
    # A disabled button cannot fire; otherwise wait up to feedback_ms, keeping the wrap-up reserve.
    cap = 0.6 if state.get("disabled") else _within(ctx, order.feedback_ms / 1000, _RESERVE_S + 0.3)
    out["feedback"] = await s.watch_feedback(before, order.feedback_ms, cap, order.success)
    await themes.after_click(ctx, page, out, _safe_eval)
    mark("feedback")
    await s.order_outcomes()
    s.phase = "after"
    out["inputs_after"] = await _safe_eval(ctx, page, js.INPUTS, list(order.fill), [])
    mark("after")
    if any(o["phase"] == "click" for o in s.orders) and ctx.remaining() > _RESERVE_S + 2.0:
        out["double_click"] = await _double_click(ctx, page, s, url, bool(out["feedback"]["navigated_to"]))
        mark("double_click")
    return out


async def _none() -> None:
    return None


def _load_timeout(ctx: ProbeContext) -> float:
    """Seconds to wait for the product page: a few times the profile's own budgets, 3–8 s.

    A shopper's browser would wait much longer, but the network layer already measures slowness;
    here a page that has not loaded by then is simply "did not load".
    """
    b = ctx.profile.network.budgets
    return max(3.0, min(8.0, (3 * b.ttfb_ms + b.connect_ms + b.tls_ms) / 1000))


@probe("browser.installed", layer="browser", timeout=4.0)
async def installed_probe(ctx: ProbeContext) -> dict[str, Any]:
    """The browsers installed on this computer and their versions (registry / app bundles / --version)."""
    from kmdiag.browser.versions import installed_browsers

    found = await asyncio.to_thread(installed_browsers, min(2.0, ctx.timeout(2.0)))
    return {"browsers": found, "supported": dict(ctx.profile.order.supported_browsers)}
