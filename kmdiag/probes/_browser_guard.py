"""The read-only guard of a diagnostic browser session: no write reaches the shop unless asked.

Why a guard for the whole context and not just the click: a real order page keeps running after
the click (acg-faka's XHRs, a timer, a popup, ``pagehide`` beacons), and a request that gets
through at any moment leaves a real order row behind (reference §7.1). So, for the context's
whole life — every page, popup, frame and worker, any origin:

- the order request and every other write the profile names (``order.order_request``,
  ``order.write_requests``, the payment notify and repair routes) are stopped, whatever the method;
- *default deny*: any request to the shop's own origins that is not GET/HEAD and is not on the
  profile's read allow-list (``order.read_requests``, e.g. acg-faka's ``POST /user/api/index/pay``)
  is stopped too, because on PHP shops "POST" is the only sign of a write the browser can see.

Two layers do it. ``context.route`` (not ``page.route``) sees popups, frames and workers from their
first request. Measured on Debian's Chromium 156: a ``sendBeacon`` or ``fetch(..., {keepalive:
true})`` fired while the page unloads (``pagehide``, navigation, closing) outlives the page's
interception and reaches the server unrouted. So an init script (run in every frame before the
page's own scripts) makes ``sendBeacon`` return ``false`` and rejects keepalive fetches, and
reports each to :meth:`Guard.on_script_stop` through a binding. ``--no-pings`` (launcher) turns
off ``<a ping>``.

Every stop is recorded only once it really happened (``route.abort`` returned, or the script
refused the call): method, URL without query, phase, how, why, and what the page then saw.
With ``--submit`` the order request (and unnamed writes) pass; named non-order writes never do.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from kmdiag.browser.match import compile_rule, is_order_request

BINDING = "__kmdiagGuardStop"
CLOSED_PATH = "/__kmdiag_closed__"  # where pages are parked before the close; the route answers it itself
_READS = ("GET", "HEAD")
_SAW = {  # what the page sees for a stopped request, by Playwright resource type
    "document": "navigation-failed", "xhr": "network-error", "fetch": "network-error", "ping": "beacon-dropped",
    "eventsource": "network-error", "websocket": "network-error",
}

# Runs in every frame and popup before the page's scripts (Playwright init script). Only the two
# request kinds that outlive the page's interception are handled here; everything else is routed.
INIT_SCRIPT = r"""
(() => {
  const KEY = '__kmdiag_guard_stops';
  let leaving = false;  // registered before any page script: true once this document is being left
  addEventListener('pagehide', () => { leaving = true; }, true);
  const binding = () => { try { return window.__kmdiagGuardStop || (window.top && window.top.__kmdiagGuardStop) ||
    (window.opener && window.opener.__kmdiagGuardStop); } catch (e) { return null; } };
  const report = (kind, url, method) => {
    const rec = {kind: kind, url: String(url), method: method, frame: String(location.href).slice(0, 200)};
    if (leaving) {  // a leaving page's messages are lost: the next document of this tab and origin reports it
      try { const a = JSON.parse(sessionStorage.getItem(KEY) || '[]'); a.push(rec);
            sessionStorage.setItem(KEY, JSON.stringify(a.slice(-50))); } catch (e) {}
      return;
    }
    try { const fn = binding(); if (fn) fn(rec); } catch (e) {}
  };
  setTimeout(() => {
    try { const a = JSON.parse(sessionStorage.getItem(KEY) || '[]'); if (!a.length) return;
          sessionStorage.removeItem(KEY); const fn = binding();
          if (fn) a.forEach(r => { r.while_leaving = true; fn(r); }); } catch (e) {}
  }, 0);
  const abs = (u) => { try { return new URL(String(u), location.href).href; } catch (e) { return String(u); } };
  try {
    // Writable and configurable on purpose: analytics SDKs wrap these by assignment, and a non-writable
    // property would make their (strict-mode) assignment throw — a script error kmdiag itself caused.
    Object.defineProperty(Navigator.prototype, 'sendBeacon', {configurable: true, writable: true,
      value: function sendBeacon(url, data) { report('beacon', abs(url), 'POST'); return false; }});
  } catch (e) {}
  const orig = window.fetch;
  if (typeof orig === 'function') {
    const guarded = function fetch(input, init) {
      let keep = !!(init && init.keepalive);
      const isReq = (typeof Request !== 'undefined') && input instanceof Request;
      if (!keep && isReq) { try { keep = !!input.keepalive; } catch (e) {} }
      if (keep) {
        const method = String((init && init.method) || (isReq ? input.method : 'GET')).toUpperCase();
        report('keepalive', isReq ? input.url : abs(input), method);
        return Promise.reject(new TypeError('Failed to fetch'));
      }
      return orig.apply(this, arguments);
    };
    window.fetch = guarded;
  }
})();
"""


def short_url(url: str) -> str:
    """Scheme, host and path: the query (tokens, phone numbers) never goes into a record."""
    p = urlsplit(url)
    return f"{p.scheme}://{p.netloc}{p.path}" if p.scheme else url[:200]


def _origin(url: str) -> str | None:
    p = urlsplit(url)
    return f"{p.scheme}://{p.netloc}".lower() if p.scheme in ("http", "https") and p.netloc else None


def _matches(rules: list[str], method: str, url: str) -> bool:
    path = urlsplit(url).path or "/"
    for rule in rules:
        compiled = compile_rule(rule)
        if compiled is None:
            continue
        want, rx = compiled
        if (want is None or want == method.upper()) and rx.match(path):
            return True
    return False


def named_writes(profile: Any) -> list[str]:
    """Every write the profile names besides the order request: extra writes, notify and repair routes."""
    rules = list(getattr(profile.order, "write_requests", []) or [])
    pay = profile.payment
    for path in (pay.notify_url, pay.repair_endpoint):
        if path:
            p = urlsplit(profile.url(path)).path if "://" in path or path.startswith("/") else path
            rules.append(p.replace("{order_id}", "*").replace("{trade_no}", "*"))
    return rules


def shop_origins(profile: Any, page_url: str) -> set[str]:
    out = {o for o in (_origin(page_url), _origin(profile.base_url)) if o}
    rule = profile.order.order_request or ""
    for part in rule.split():
        if "://" in part and _origin(part):
            out.add(_origin(part))  # type: ignore[arg-type]
    for path in (profile.payment.notify_url, profile.payment.repair_endpoint):
        if path and "://" in path and _origin(path):
            out.add(_origin(path))  # type: ignore[arg-type]
    return out


_BEFORE_INTERACTION = ("load", "reload")


class Guard:
    """Decides, stops and records. ``phase()`` and ``ms()`` come from the visit's session."""

    def __init__(self, profile: Any, page_url: str, *, submit: bool, phase: Callable[[], str],
                 ms: Callable[[], int]) -> None:
        order = profile.order
        self.order_rule: str | None = order.order_request
        self.page_origin = _origin(page_url)
        self.page_url = short_url(page_url)
        self.origins = shop_origins(profile, page_url)
        self.reads = list(getattr(order, "read_requests", []) or [])
        self.writes = named_writes(profile)
        self.submit = submit
        self.phase, self.ms = phase, ms
        self.stopped: list[dict[str, Any]] = []
        self.passed_writes: list[dict[str, Any]] = []  # writes let through (only with --submit)
        self.stop_failures: list[dict[str, Any]] = []
        self.closing = False  # set before the pages are closed: from then on every request is stopped

    def policy(self) -> dict[str, Any]:
        return {"submit": self.submit, "origins": sorted(self.origins), "order_rule": self.order_rule,
                "named_writes": self.writes, "read_allow_list": self.reads, "context_wide": True,
                "beacons_and_keepalive": "refused in the page" if not self.submit else "allowed (--submit)"}

    def is_order(self, method: str, url: str) -> bool:
        return is_order_request(method, url, self.order_rule, self.page_origin)

    def is_read(self, method: str, url: str) -> bool:
        """GET/HEAD, or a request on the profile's read allow-list."""
        return method.upper() in _READS or _matches(self.reads, method, url)

    def verdict(self, method: str, url: str) -> str | None:
        """Why this request must be stopped (``order-request``, ``named-write``, ``default-deny``,
        ``closing``), or None."""
        m = method.upper()
        if self.closing and not self.submit:
            return "closing"
        if m in _READS and short_url(url) == self.page_url:
            return None  # the product page itself: the visit the user asked for
        if _matches(self.writes, m, url):
            return "named-write"
        if not self.order_rule and self.phase() in _BEFORE_INTERACTION and m not in _READS:
            # No profile says which request is the order: what the page sends on its own while it loads,
            # before anything is clicked, is what every visitor's browser sends (acg-faka builds its pay
            # buttons from POST /user/api/index/pay). Only the named writes are stopped then.
            return None
        if self.is_order(m, url):
            return None if self.submit else "order-request"
        if m in _READS or _matches(self.reads, m, url):
            return None
        if _origin(url) in self.origins and not self.submit:
            return "default-deny"
        return None

    def record(self, method: str, url: str, resource_type: str, why: str, how: str, ok: bool,
               error: str | None = None) -> dict[str, Any]:
        rec = {"method": method.upper(), "url": short_url(url), "type": resource_type, "phase": self.phase(),
               "t_ms": self.ms(), "why": why, "how": how}
        if ok:
            rec["page_saw"] = {"beacon": "sendBeacon-returned-false", "keepalive": "fetch-rejected"}.get(
                resource_type, _SAW.get(resource_type, "network-error"))
            if len(self.stopped) < 200:
                self.stopped.append(rec)
        else:
            rec["error"] = (error or "?")[:200]
            self.stop_failures.append(rec)
        return rec

    def on_script_stop(self, _source: Any, info: dict[str, Any]) -> None:
        """Binding called by the init script each time it refused a beacon or a keepalive fetch."""
        if not isinstance(info, dict):
            return
        kind = "keepalive" if info.get("kind") == "keepalive" else "beacon"
        method, url = str(info.get("method") or "POST"), str(info.get("url") or "")
        why = self.verdict(method, url) or ("order-request" if self.is_order(method, url) else "beacon-or-keepalive")
        rec = self.record(method, url, kind, why, "init-script", True)
        if info.get("while_leaving"):  # reported by the next document: it happened as the page was left
            rec["phase"] = f"{rec['phase']} (page unloading)"

    async def install(self, context: Any, route_handler: Any, extra_init: str = "") -> None:
        """Before the first page exists: the binding, the init script (unless --submit), the route.

        ``extra_init`` (another init script) goes in the same call: each call is a round trip, and on a
        starved machine round trips are what the budget runs out on."""
        import asyncio

        async def scripts() -> None:  # in this order: the init script reports through the binding
            if not self.submit:
                await context.expose_binding(BINDING, self.on_script_stop)
            script = (INIT_SCRIPT if not self.submit else "") + "\n" + extra_init
            if script.strip():
                await context.add_init_script(script=script)

        # The route is independent of the scripts: sent beside them; all are in place before any page.
        await asyncio.gather(scripts(), *([context.route("**/*", route_handler)] if route_handler is not None else []))

    def summary(self) -> dict[str, Any]:
        return {"policy": self.policy(), "stopped": self.stopped[:100], "stopped_count": len(self.stopped),
                "stop_failures": self.stop_failures[:20], "writes_let_through": self.passed_writes[:20]}


async def quiesce(context: Any, session: Any, cap_s: float) -> None:
    """Before the browser closes: stop everything, then park every page on ``about:blank``.

    Measured: a request the page fires while the browser is closing is paused for routing, the
    DevTools session goes away, and Chromium lets the paused request go — it reached the counting
    server although ``route.abort`` had "succeeded". So from here every request is stopped, each
    page (popups too) leaves for ``about:blank`` (its scripts, timers and workers end; its pending
    requests are cancelled; ``pagehide`` beacons meet the init script), and the close waits until no
    route handler is still deciding.
    """
    import asyncio
    import time

    guard = session.guard
    if guard is not None:
        guard.closing = True
    end = time.monotonic() + max(0.05, cap_s)
    async def park(p: Any) -> None:
        # A blank page of the same origin (answered by the route, never by the shop), so that the init
        # script there can report what the leaving page's pagehide handlers tried to send.
        origin = _origin(p.url or "")
        target = origin + CLOSED_PATH if origin else "about:blank"
        try:
            left = end - time.monotonic()
            await asyncio.wait_for(p.goto(target, wait_until="commit", timeout=max(50, left * 1000)), max(0.05, left))
            await asyncio.wait_for(p.evaluate("() => new Promise(r => setTimeout(r, 0))"), max(0.05, end - time.monotonic()))
        except Exception:  # a page that spins or already closed: closing it is all that is left
            pass

    await asyncio.gather(*(park(p) for p in list(getattr(context, "pages", []) or [])))
    while session.routing and time.monotonic() < end:
        await asyncio.sleep(0.02)

