"""The copy's visit keeps the HTTP cache on (Playwright's page.route would turn it off) and still puts
every request through the browser probe's Session.route: the order request is stopped, cached
scripts are served from the cache, and the guard's own bookkeeping sees the same requests."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from kmdiag.browser.launcher import launch_args
from kmdiag.probes._browser_session import Session
from kmdiag.probes._my_browser_run import Watch
from tests.mybrowser.profiles import CHROMIUM, build
from tests.mybrowser.shop import serve

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Debian's /usr/bin/chromium")]


async def _visit(udd: Path, url: str, origin: str, bypass: bool = True) -> tuple[Session, dict[str, object]]:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        ctx = await pw.chromium.launch_persistent_context(str(udd), executable_path=CHROMIUM, headless=True,
                                                         args=launch_args(lockdown=True) + ["--password-store=basic"])
        try:
            page = await ctx.new_page()
            s = Session(page, order_rule="POST /api/order", submit=False, auth=None)
            s.origin = origin
            s.attach()
            w = Watch(origin)
            if not bypass:  # control: the worker stays in the path of the page's requests
                w._bypass = _no_bypass  # type: ignore[method-assign]
            await w.guard(page, s)
            await page.goto(url)
            await asyncio.sleep(0.1)  # the visit settles before it clicks
            sw = await page.evaluate("!!navigator.serviceWorker.controller")
            s.phase = "click"
            seen = await page.evaluate("fetch('/api/order', {method: 'POST', body: '{}'}).then(r => r.status, e => 'failed')")
            await asyncio.sleep(0.2)
            return s, {"seen": seen, "guarded": w.guarded, "assets": w.assets, "controlled": sw}
        finally:
            await ctx.close()


async def _no_bypass() -> None:
    return None


def test_order_is_stopped_and_the_cache_is_used(tmp_path: Path) -> None:
    with serve() as shop:
        udd = build(tmp_path / "udd", [shop.url])
        hits = shop.hits.get("/static/app.js", 0)
        s, out = asyncio.run(_visit(udd, shop.url, shop.origin))
        assert shop.orders == 0 and out["seen"] == "failed"
        assert [o["intercepted"] for o in s.orders] == [True]
        assert shop.hits.get("/static/app.js", 0) == hits  # served from the copy's disk cache
        assert out["guarded"] == "fetch"
        app = next(a for a in out["assets"].values() if a["url"].endswith("/static/app.js"))
        assert app["from_disk_cache"] is True


def test_order_is_stopped_under_a_worker_that_forwards_every_request(tmp_path: Path) -> None:
    with serve(sw_all=True) as shop:
        udd = build(tmp_path / "udd", [shop.url, shop.url], settle=0.6)
        s, out = asyncio.run(_visit(udd, shop.url, shop.origin))
        assert out["controlled"] is True  # the worker served the page
        assert shop.orders == 0 and out["seen"] == "failed"
        assert [o["intercepted"] for o in s.orders] == [True]
