"""One diagnostic visit to the product page: load, find the button, fill, click, watch, double-click.

Only facts are gathered here (what loaded, what threw, what the click sent, what the page showed);
the checks judge them. The order request is stopped at the browser's edge unless the run may
submit, so a diagnosis never creates an order in the shopper's name; the double-click round
always stops its requests (after holding them briefly, as a slow server would), so counting them
never creates orders either.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any
from urllib.parse import urlsplit

from kmdiag.apireply import judge
from kmdiag.browser.match import is_order_request
from kmdiag.probes._browser_guard import CLOSED_PATH
from kmdiag.probes._browser_watch import watch_feedback as _watch_feedback

_ORDER_HOLD_S = 0.3  # how long the double-click round holds each order request before stopping it
_SETTLE_QUIET_S = 0.08
_LONG_S = 3.0  # a request open this long is a long-poll or a hung tracker, not the page still building  # no request in flight for this long = the page's start-up calls are done


def _short_url(url: str) -> str:
    p = urlsplit(url)
    return f"{p.scheme}://{p.netloc}{p.path}" if p.scheme else url[:200]


class Session:
    """State shared by the page's event handlers during one visit."""

    def __init__(self, page: Any, *, order_rule: str | None, submit: bool, auth: dict[str, str] | None,
                 guard: Any = None) -> None:
        self.page = page
        self.order_rule = order_rule
        self.submit = submit
        self.guard = guard  # kmdiag.probes._browser_guard.Guard: decides and records every stop
        self.popups: list[dict[str, Any]] = []
        self.api: Any = None  # profile.api: which reply codes mean success
        self.routing = 0  # route handlers still deciding (the close waits for them)
        self.auth = auth or {}  # header name -> value, sent only to the shop's own origin
        self.origin = ""
        self.phase = "load"
        self.t0 = time.monotonic()
        self.inflight = 0
        self.last_activity = time.monotonic()
        self.console: list[dict[str, Any]] = []
        self.page_errors: list[dict[str, Any]] = []
        self.failed: list[dict[str, Any]] = []
        self.http_errors: list[dict[str, Any]] = []
        self.dialogs: list[dict[str, Any]] = []
        self.dialog_count = 0  # every dialog, also those past the kept few (an alert() loop opens thousands)
        self.navigations: list[str] = []
        self.orders: list[dict[str, Any]] = []
        self.after_click: list[dict[str, Any]] = []
        self._req_objs: dict[int, Any] = {}
        self._open: dict[int, float] = {}  # the page's requests in flight -> when each started
        self._idle = asyncio.Event()
        self._reloading = False  # the reload round's own document request has gone out
        self.closing = False  # set by drain(): nothing more leaves, whatever it is
        self._finished: set[int] = set()

    def ms(self) -> int:
        return int((time.monotonic() - self.t0) * 1000)

    # -- events -------------------------------------------------------------------------------
    def attach(self) -> None:
        p = self.page
        p.on("console", self._on_console)
        p.on("pageerror", self._on_pageerror)
        p.on("request", self._on_request)
        p.on("requestfinished", self._on_done)
        p.on("requestfailed", self._on_failed)
        p.on("response", self._on_response)
        p.on("dialog", self._on_dialog)
        p.on("framenavigated", self._on_nav)

    def _on_console(self, msg: Any) -> None:
        if len(self.console) < 200:
            loc = msg.location or {}
            self.console.append({"type": msg.type, "text": msg.text[:500], "url": _short_url(loc.get("url", "")),
                                 "line": loc.get("lineNumber"), "phase": self.phase, "t_ms": self.ms()})

    def _on_pageerror(self, err: Any) -> None:
        stack = (getattr(err, "stack", None) or "").splitlines()[1:3]
        self.page_errors.append({"name": getattr(err, "name", None) or "Error", "message": str(err.message)[:300],
                                 "stack": [s.strip()[:200] for s in stack], "phase": self.phase, "t_ms": self.ms()})

    def _on_request(self, req: Any) -> None:
        self.inflight += 1
        self.last_activity = time.monotonic()
        self._open[id(req)] = time.monotonic()
        self._idle.clear()
        if self.phase in ("click", "dblclick"):
            self.after_click.append({"method": req.method, "url": _short_url(req.url), "type": req.resource_type,
                                     "phase": self.phase, "t_ms": self.ms(),
                                     "order": is_order_request(req.method, req.url, self.order_rule, self.origin or None)})

    def _on_done(self, req: Any) -> None:
        self._finished.add(id(req))
        self.inflight = max(0, self.inflight - 1)
        self.last_activity = time.monotonic()
        self._open.pop(id(req), None)
        if not self._open:
            self._idle.set()

    def _on_failed(self, req: Any) -> None:
        self._on_done(req)
        self.failed.append({"url": _short_url(req.url), "method": req.method, "type": req.resource_type,
                            "error": req.failure or "", "phase": self.phase, "t_ms": self.ms()})

    def _on_response(self, resp: Any) -> None:
        if resp.status >= 400:
            self.http_errors.append({"url": _short_url(resp.url), "status": resp.status,
                                     "type": resp.request.resource_type, "phase": self.phase,
                                     "retry_after": resp.headers.get("retry-after")})

    async def _on_dialog(self, dialog: Any) -> None:
        self.dialog_count += 1
        if len(self.dialogs) < 20:
            self.dialogs.append({"type": dialog.type, "message": dialog.message[:300], "phase": self.phase,
                                 "t_ms": self.ms()})
        try:
            await dialog.dismiss()
        except Exception:
            pass

    def _on_nav(self, frame: Any) -> None:
        if frame == self.page.main_frame and self.phase in ("click", "dblclick"):
            self.navigations.append(_short_url(frame.url))

    # -- the edge: every request passes here ----------------------------------------------------
    async def route(self, route: Any, request: Any) -> None:
        self.routing += 1
        try:
            if self.closing:  # the visit is over (a caller's context): nothing more leaves
                await route.abort("aborted")
            else:
                await self._route(route, request)
        except Exception:  # the page or context closed while a request was held: nothing to do
            pass
        finally:
            self.routing -= 1

    async def drain(self, cap_s: float = 1.0) -> None:
        """Before a context this probe does not own is handed back: stop every held request.

        Chromium resumes requests still paused at the edge when its DevTools client goes away, so a
        held order request would be *sent*; contexts the probe owns get the guard's quiesce instead."""
        self.closing = True
        end = time.monotonic() + cap_s
        try:
            while (self.routing or self.inflight) and time.monotonic() < end:
                await asyncio.sleep(0.02)
        finally:
            # The owner goes on with its context (my-browser fetches the shop's assets afresh to compare):
            # from here the guard's own verdicts apply again, reads pass and writes stay stopped.
            self.closing = False

    async def _route(self, route: Any, request: Any) -> None:
        method, url = request.method, request.url
        same_origin = bool(self.origin) and url.startswith(self.origin)
        g = self.guard
        if g is not None and g.closing and urlsplit(url).path == CLOSED_PATH and method == "GET":
            await route.fulfill(status=200, content_type="text/html", body="<!doctype html><title>kmdiag</title>")
            return
        is_order = g.is_order(method, url) if g else is_order_request(method, url, self.order_rule, self.origin or None)
        why = g.verdict(method, url) if g else (None if self.submit or not is_order else "order-request")
        if self.phase == "reload" and request.resource_type == "document" and method == "GET":
            self._reloading = True  # from here on the new page's own start-up requests pass
        rec: dict[str, Any] | None = None
        if is_order:
            # "document" = a native form post (a navigation), as much an order request as an XHR.
            phase = self.phase
            # Late: the click's (or the double click's) order request reached the edge after its round
            # ended (a loaded machine delays the driver's events; a native form's second submit). Nothing
            # else acts on the page then, so it is still that click's request: counted, and stopped.
            late = phase in ("after", "done") or (phase == "reload" and not self._reloading)
            if late:
                phase = "dblclick" if self.phase == "done" else "click"
            rec = {"method": method, "url": _short_url(url), "phase": phase, "t_ms": self.ms(), "intercepted": False,
                   "type": request.resource_type, **({"late": True} if late else {})}
            self.orders.append(rec)
            if late and (not self.submit or self.phase == "done"):
                why = why or "order-request"
            if self.phase == "dblclick":  # the double-click round never sends an order, even with --submit
                why = why or "order-request"
                # Held a while, as a slow server would, then stopped; no longer than the round itself: once
                # it has counted (phase "done"), holding only delays the close (quiesce waits for it).
                end = time.monotonic() + _ORDER_HOLD_S
                while time.monotonic() < end and not self.closing and self.phase == "dblclick":
                    await asyncio.sleep(0.02)
        if why:
            ok, err = True, None
            try:
                await route.abort("aborted")
            except Exception as exc:  # already handled / context gone: never claim a stop that did not happen
                ok, err = False, str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            if g:
                g.record(method, url, request.resource_type, why, "route-abort", ok, err)
            if rec is not None:
                rec["intercepted"] = ok
            return
        if rec is not None:
            self._req_objs[len(self.orders) - 1] = request
        if g and not g.is_read(method, url) and len(g.passed_writes) < 50:
            g.passed_writes.append({"method": method, "url": _short_url(url), "phase": self.phase, "t_ms": self.ms()})
        if same_origin and self.auth:
            await route.continue_(headers={**request.headers, **self.auth})
        else:
            await route.continue_()

    def busy(self, quiet_s: float) -> float:
        """Seconds until the page's network has been quiet for ``quiet_s`` (0 = quiet now).

        A request open longer than ``_LONG_S`` (a long-poll, a hanging tracker) does not hold it up."""
        now = time.monotonic()
        if any(now - t < _LONG_S for t in self._open.values()):
            return quiet_s
        return max(0.0, quiet_s - (now - self.last_activity))

    async def wait_idle(self, cap_s: float) -> None:
        """Until no request of the page is in flight (event-driven), at most ``cap_s``."""
        now = time.monotonic()
        if not any(now - t < _LONG_S for t in self._open.values()):
            return
        try:
            await asyncio.wait_for(self._idle.wait(), max(0.01, cap_s))
        except TimeoutError:
            pass

    async def settle(self, cap_s: float) -> None:
        """Wait until the page's start-up requests (status, account...) are answered."""
        end = time.monotonic() + cap_s
        while time.monotonic() < end:
            if self.inflight == 0 and time.monotonic() - self.last_activity >= _SETTLE_QUIET_S:
                return
            await asyncio.sleep(0.03)

    async def order_outcomes(self) -> None:
        """Fill in status and the API's own code/message for order requests that were really sent."""
        for i, req in list(self._req_objs.items()):  # a late order request may join while one is awaited
            rec = self.orders[i]
            try:
                resp = await asyncio.wait_for(req.response(), 0.5)
            except Exception:
                resp = None
            if resp is None:
                rec["failure"] = req.failure or "no response"
                continue
            rec["status"] = resp.status
            try:
                body = await asyncio.wait_for(resp.json(), 0.5)
            except Exception:
                body = None
            if isinstance(body, dict):
                rec["json_code"] = body.get("code", body.get("status"))
                msg = body.get("msg", body.get("message"))
                rec["json_msg"] = str(msg)[:120] if msg is not None else None
                verdict = judge(self.api, resp.status, body)  # the profile's reply-code convention, if any
                if verdict is not None:
                    rec["refused"] = verdict["refused"]
                    rec["json_code"] = verdict["code"]
                    if verdict["message"]:
                        rec["json_msg"] = verdict["message"][:120]

    def _order_done(self) -> bool:
        mine = [i for i, o in enumerate(self.orders) if o["phase"] == "click"]
        if not mine:
            return False
        i = mine[0]
        if self.orders[i]["intercepted"]:
            return True
        req = self._req_objs.get(i)
        return req is not None and id(req) in self._finished

    async def watch_feedback(self, before: list[str], feedback_ms: int, cap_s: float, success_sel: str | None,
                             ) -> dict[str, Any]:
        """After the click: stop as soon as the order's answer and a visible change are both seen."""
        return await _watch_feedback(self, before, feedback_ms, cap_s, success_sel)
