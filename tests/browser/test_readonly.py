"""Read-only by default, proven on the server side: without --submit no order request and no other write
reaches the shop at any moment of the browser session — late XHRs, popups, iframes, workers, native form
posts with target=_blank, sendBeacon, keepalive fetch, pagehide beacons, an order API on another origin —
on an idle and on a loaded machine. Every stop the report claims really happened (the servers count)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from kmdiag.probes import ProbeContext
from kmdiag.probes.browser import page_probe
from kmdiag.profile.schema import Order, Payment, Profile
from tests.browser.counting import counting, cpu_load

pytestmark = pytest.mark.browser

ORDER = "/api/order/create"
LEAKY = """<!doctype html><html><head><meta charset="utf-8"></head><body>
<input id="contact" name="contact"><button id="b" type="button">立即购买</button><div id="msg"></div>
<form id="f" method="post" action="/api/order/create" target="_blank"><input name="a" value="1"></form>
<script>
const post = (u, b) => fetch(u, {method: 'POST', body: b || 'x'}).catch(() => {});
post('/api/read/stock');                          // a read by POST, on the profile's allow-list
post('/api/cart/touch');                          // a write on no list: default deny
navigator.sendBeacon('/api/order/create', 'load-beacon');
fetch('/api/order/create', {method: 'POST', body: 'ka', keepalive: true}).catch(() => {});
fetch(new Request('/api/order/create', {method: 'POST', body: 'kr', keepalive: true})).catch(() => {});
fetch('{other}/api/order/create', {method: 'POST', headers: {'content-type': 'application/json'}, body: '{}'}).catch(() => {});
fetch('/pay/notify/KM1?sign=x').catch(() => {});  // a GET, but the profile names it a write (the notify handler)
new Worker('/w.js');
const fr = document.createElement('iframe'); fr.src = '/frame'; document.body.appendChild(fr);
const xf = document.createElement('iframe'); xf.src = '{other}/xframe'; document.body.appendChild(xf);  // cross-origin
document.getElementById('b').addEventListener('click', () => {
  post('/api/order/create?phone=13800138000');
  window.open('/pop');
  document.getElementById('f').submit();
  setTimeout(() => { const x = new XMLHttpRequest(); x.open('POST', '/api/order/create'); x.send('late'); }, 900);
  setTimeout(() => { location.href = '/bye'; }, 1100);   // leaves the page: its pagehide beacons fire
}, {once: true});
addEventListener('pagehide', () => {
  navigator.sendBeacon('/api/order/create', 'bye');
  fetch('/api/order/create', {method: 'POST', body: 'bye', keepalive: true});
});
</script></body></html>"""
PAGES = {
    "/leaky": LEAKY,
    "/w.js": "fetch('/api/order/create', {method: 'POST', body: 'worker'});",
    "/frame": "<script>setTimeout(() => { fetch('/api/order/create', {method: 'POST', body: 'frame'}).catch(() => {});"
              " navigator.sendBeacon('/api/order/create', 'frame-beacon'); }, 150);</script>",
    "/pop": "<script>fetch('/api/order/create', {method: 'POST', body: 'popup'}).catch(() => {});"
            "addEventListener('pagehide', () => navigator.sendBeacon('/api/order/create', 'popup-bye'));</script>",
    "/bye": "<p>bye</p>",
}
OTHER = {  # the other origin: an order API and a frame of its own
    "/xframe": "<script>fetch('/api/order/create', {method: 'POST', body: 'xframe'}).catch(() => {});"
               "navigator.sendBeacon('/api/order/create', 'xframe-beacon');</script>",
}
PAGES |= {
    # Leaves itself during the settle wait, firing beacons and keepalive fetches on the way out.
    "/unload": "<button>立即购买</button><script>addEventListener('pagehide', () => {"
               " navigator.sendBeacon('/api/order/create', 'u'); fetch('/api/order/create', {method: 'POST', body: 'u', keepalive: true}); });"
               " if (!sessionStorage.getItem('left')) { sessionStorage.setItem('left', '1'); setTimeout(() => location.reload(), 100); }</script>",
}


def _profile(base: str, path: str = "/leaky") -> Profile:
    return Profile(name="t", base_url=base + "/",
                   order=Order(product_url=path, fill={"#contact": "13800138000"}, order_request=f"POST {ORDER}",
                               read_requests=["POST /api/read/*"], feedback_ms=400),
                   payment=Payment(notify_url="/pay/notify/{order_id}"))


def _run(profile: Profile, **options: Any) -> dict[str, Any]:
    ctx = ProbeContext(profile=profile, options={"browser_lockdown": True, **options}, deadline=time.monotonic() + 20)
    return asyncio.run(page_probe(ctx))


def _settle_server() -> None:
    time.sleep(0.3)  # a request the browser let go would be in the server's count by now


def _assert_nothing_written(shop: Any, other: Any, runs: int) -> None:
    _settle_server()
    writes = [(h.method, h.path) for h in shop.writes()]
    # only the allow-listed read (once a load; the double-click round reloads a page that navigated away)
    assert set(writes) == {("POST", "/api/read/stock")} and len(writes) >= runs, writes
    assert other.writes() == [] and not [h for h in other.hits if h.path == ORDER]
    assert "/xframe" in other.paths("GET")  # the cross-origin frame did load (and was guarded)
    assert "/pay/notify/KM1" not in shop.paths()


def _assert_stops_recorded(data: dict[str, Any]) -> None:
    g = data["guard"]
    assert g["stop_failures"] == [] and g["writes_let_through"] == []
    stopped = g["stopped"]
    hows = {s["how"] for s in stopped}
    whys = {s["why"] for s in stopped}
    assert {"route-abort", "init-script"} <= hows, stopped
    assert {"order-request", "default-deny", "named-write"} <= whys, stopped
    assert any(s["url"].startswith(data["url"].split("/leaky")[0]) is False for s in stopped)  # the other origin
    for s in stopped:
        assert {"method", "url", "phase", "how", "why", "page_saw", "t_ms"} <= set(s)
        assert "?" not in s["url"] and "13800138000" not in s["url"]  # no query (tokens, phones) in a record
    phases = {s["phase"] for s in stopped}
    assert "load" in phases and phases - {"load"}, phases  # not only while loading: the whole session
    clicked = [o for o in data["order_requests"] if o["phase"] == "click"]
    assert clicked and all(o["intercepted"] for o in clicked)


def test_no_write_reaches_any_origin_idle_and_loaded() -> None:
    with counting(PAGES, OTHER) as (shop, other):
        prof = _profile(shop.base)
        runs = 0
        for _ in range(2):
            data = _run(prof)
            runs += 1
            assert data["click"]["attempted"], data.get("click")
            _assert_stops_recorded(data)
        with cpu_load(2, 60):
            for _ in range(2):
                data = _run(prof)
                runs += 1
                _assert_stops_recorded(data)
        _assert_nothing_written(shop, other, runs)
        kinds = {s["type"] for s in data["guard"]["stopped"]}
        assert {"fetch", "document", "beacon", "keepalive"} <= kinds, kinds


def test_pagehide_beacons_during_the_wait_never_leave() -> None:
    """Measured: a beacon fired while a page unloads escapes Playwright's routing; the init script stops it."""
    with counting(PAGES) as (shop, other):
        data = _run(_profile(shop.base, "/unload"))
        _settle_server()
        assert shop.writes() == [], [(h.method, h.path) for h in shop.writes()]
    script = [s for s in data["guard"]["stopped"] if s["how"] == "init-script"]
    assert {s["type"] for s in script} == {"beacon", "keepalive"}
    assert all(s["page_saw"] in ("sendBeacon-returned-false", "fetch-rejected") for s in script)


def test_submit_lets_the_order_through_but_never_the_named_writes() -> None:
    with counting(PAGES) as (shop, other):
        data = _run(_profile(shop.base), submit=True)
        _settle_server()
        posted = shop.paths("POST")
        assert ORDER in posted and "/api/cart/touch" in posted  # the user asked for writes
        assert "/pay/notify/KM1" not in shop.paths()  # the notify handler: never, whatever the method
    assert any(s["why"] == "named-write" and s["method"] == "GET" for s in data["guard"]["stopped"])
    assert data["guard"]["policy"]["submit"] is True


def test_pages_that_wrap_fetch_and_sendbeacon_still_run_and_stay_guarded() -> None:
    """Analytics SDKs wrap fetch/sendBeacon by assignment (strict mode): that must not throw, and stays guarded."""
    page = ("<button id=b>立即购买</button><script>'use strict';"
            "const f = window.fetch; window.fetch = function () { return f.apply(this, arguments); };"
            "const sb = navigator.sendBeacon.bind(navigator); navigator.sendBeacon = (u, d) => sb(u, d);"
            "navigator.sendBeacon('/api/order/create', 'x');"
            "fetch('/api/order/create', {method: 'POST', body: 'k', keepalive: true}).catch(() => {});</script>")
    with counting({"/wrap": page}) as (shop, _):
        data = _run(_profile(shop.base, "/wrap"))
        _settle_server()
        assert shop.writes() == []
    assert data["page_errors"] == []
    assert {s["type"] for s in data["guard"]["stopped"] if s["how"] == "init-script"} == {"beacon", "keepalive"}
