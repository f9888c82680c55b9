"""One page check in a copy of the shopper's profile: launch, guard, visit, look at what it served.

The visit is the browser probe's own (``kmdiag.probes.browser._visit``). Playwright's
``page.route`` turns the HTTP cache off, and a stale cached script is exactly what we look for,
so every request is put through the same ``Session.route`` from a browser-wide DevTools ``Fetch``
interception instead (it sees cached and uncached requests alike and leaves the cache on). A
service worker may serve the page while it loads (that is what is being diagnosed); from the
``load`` event on, the page's requests bypass it, so the order request always meets the guard.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import hashlib
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from kmdiag.models import Artifact
from kmdiag.probes._context import ProbeContext

_REASONS = {"aborted": "Aborted", "blockedbyclient": "BlockedByClient", "failed": "Failed",
            "connectionrefused": "ConnectionRefused", "timedout": "TimedOut", "accessdenied": "AccessDenied"}
_ASSET_TYPES = ("Script", "Stylesheet", "Document")
_MAX_BODY = 4 * 1024 * 1024

_FRESH_JS = """async (u) => {
  try {
    const r = await fetch(u, {cache: "no-store", credentials: "same-origin"});
    const t = await r.text();
    return {status: r.status, etag: r.headers.get("etag"), last_modified: r.headers.get("last-modified"),
            text: t.length > MAX ? null : t, length: t.length};
  } catch (e) { return {error: String(e).slice(0, 200)}; }
}""".replace("MAX", str(_MAX_BODY))
_STORAGE_JS = """() => { const o = {}; try { for (let i = 0; i < localStorage.length && i < 200; i++) {
  const k = localStorage.key(i); o[k] = String(localStorage.getItem(k)).slice(0, 4096); } } catch (e) {} return o; }"""
_SW_JS = """() => { const c = navigator.serviceWorker && navigator.serviceWorker.controller;
  return c ? c.scriptURL : null; }"""


class _Req:
    """A DevTools ``Fetch.requestPaused`` request with the attributes ``Session.route`` reads."""

    def __init__(self, ev: dict[str, Any]) -> None:
        r = ev.get("request") or {}
        self.method = str(r.get("method", "GET"))
        self.url = str(r.get("url", "")) + str(r.get("urlFragment", ""))
        self.headers = {str(k).lower(): str(v) for k, v in (r.get("headers") or {}).items()}
        self.resource_type = str(ev.get("resourceType") or "other").lower()
        self.post_data = r.get("postData")
        self.frame = None

    def is_navigation_request(self) -> bool:
        return self.resource_type == "document"

    def header_value(self, name: str) -> str | None:
        return self.headers.get(name.lower())


class _Route:
    """``continue_`` / ``abort`` / ``fulfill`` answered through the same DevTools session."""

    def __init__(self, cdp: Any, request_id: str, request: _Req) -> None:
        self.cdp, self.rid, self.request, self.handled = cdp, request_id, request, False

    async def continue_(self, headers: dict[str, str] | None = None, **_: Any) -> None:
        params: dict[str, Any] = {"requestId": self.rid}
        if headers:
            params["headers"] = [{"name": k, "value": v} for k, v in headers.items()]
        self.handled = True
        await self.cdp.send("Fetch.continueRequest", params)

    fallback = continue_

    async def abort(self, error_code: str = "failed") -> None:
        self.handled = True
        await self.cdp.send("Fetch.failRequest", {"requestId": self.rid,
                                                  "errorReason": _REASONS.get(error_code.lower(), "Failed")})

    async def fulfill(self, status: int = 200, headers: dict[str, str] | None = None, body: str | bytes | None = None,
                      content_type: str | None = None, **_: Any) -> None:
        hdrs = dict(headers or {})
        if content_type:
            hdrs["content-type"] = content_type
        raw = body.encode() if isinstance(body, str) else (body or b"")
        self.handled = True
        await self.cdp.send("Fetch.fulfillRequest", {
            "requestId": self.rid, "responseCode": status, "body": base64.b64encode(raw).decode(),
            "responseHeaders": [{"name": k, "value": v} for k, v in hdrs.items()]})


class Watch:
    """What the copy's page was served: same-origin documents, scripts and styles, and from where."""

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.assets: dict[str, dict[str, Any]] = {}
        self.page: Any = None
        self.pcdp: Any = None
        self.guarded = "fetch"

    def on_response(self, ev: dict[str, Any]) -> None:
        r = ev.get("response") or {}
        url = str(r.get("url", ""))
        if ev.get("type") not in _ASSET_TYPES or not url.startswith(self.origin + "/"):
            return
        h = {str(k).lower(): str(v) for k, v in (r.get("headers") or {}).items()}
        key = url.split("#")[0]
        self.assets[key] = {"url": key.split("?")[0], "type": str(ev.get("type")).lower(), "status": r.get("status"),
                            "from_disk_cache": bool(r.get("fromDiskCache")),
                            "from_service_worker": bool(r.get("fromServiceWorker")),
                            "from_memory_cache": False, "etag": h.get("etag"), "last_modified": h.get("last-modified"),
                            "cache_control": h.get("cache-control"), "request_id": ev.get("requestId")}

    async def guard(self, page: Any, session: Any) -> None:
        """Installed by ``_visit`` in place of ``page.route``: every request meets ``session.route``."""
        self.page = page
        ctx = page.context
        self.pcdp = await ctx.new_cdp_session(page)
        self.pcdp.on("Network.responseReceived", self.on_response)
        await self.pcdp.send("Network.enable")
        browser = ctx.browser
        bcdp = await browser.new_browser_cdp_session() if browser is not None else None
        if bcdp is None:  # no browser-wide session: Playwright's route (the cache is off then)
            self.guarded = "page.route"
            await page.route("**/*", session.route)
            return

        async def paused(ev: dict[str, Any]) -> None:
            req = _Req(ev)
            route = _Route(bcdp, str(ev.get("requestId")), req)
            try:
                await session.route(route, req)
            finally:
                if not route.handled:  # the guard could not decide: never let it through undecided
                    try:
                        await route.abort("failed")
                    except Exception:
                        pass

        bcdp.on("Fetch.requestPaused", lambda ev: asyncio.ensure_future(paused(ev)))
        await bcdp.send("Fetch.enable", {"patterns": [{"urlPattern": "*", "requestStage": "Request"}]})

        def loaded(_: Any) -> None:  # from here on the page's own requests (the order!) skip the worker
            asyncio.ensure_future(self._bypass())

        page.once("load", loaded)

    async def _bypass(self) -> None:
        try:
            await self.pcdp.send("Network.setBypassServiceWorker", {"bypass": True})
        except Exception:
            pass


def _secretish(value: str) -> bool:
    return len(value) >= 8 or (len(value) >= 5 and any(ch.isdigit() for ch in value))


def _sha(text: str | None) -> str | None:
    return hashlib.sha256(text.encode("utf-8")).hexdigest() if text is not None else None


async def compare_assets(watch: Watch, budget: float) -> list[dict[str, Any]]:
    """Each same-origin asset served from the disk cache or a service worker vs a fresh fetch."""
    out: list[dict[str, Any]] = []
    loop = asyncio.get_running_loop()
    end = loop.time() + budget
    for a in list(watch.assets.values())[:20]:
        if not (a["from_disk_cache"] or a["from_service_worker"]) or loop.time() > end:
            continue
        row = {k: a[k] for k in ("url", "type", "from_disk_cache", "from_service_worker", "etag", "last_modified",
                                 "cache_control")}
        try:
            body = await asyncio.wait_for(watch.pcdp.send("Network.getResponseBody", {"requestId": a["request_id"]}),
                                          max(0.1, end - loop.time()))
            text = base64.b64decode(body["body"]).decode("utf-8", "replace") if body.get("base64Encoded") else body["body"]
            row["served_sha256"] = _sha(text if len(text) <= _MAX_BODY else None)
        except Exception:
            row["served_sha256"] = None
        try:
            fresh = await asyncio.wait_for(watch.page.evaluate(_FRESH_JS, a["url"]), max(0.1, end - loop.time()))
        except Exception as exc:
            fresh = {"error": str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__}
        row["fresh"] = {"status": fresh.get("status"), "etag": fresh.get("etag"),
                        "last_modified": fresh.get("last_modified"), "sha256": _sha(fresh.get("text")),
                        "error": fresh.get("error")}
        f = row["fresh"]
        row["differs"] = bool(
            (f.get("status") and f["status"] != 200)
            or (row["served_sha256"] and f["sha256"] and row["served_sha256"] != f["sha256"])
            or (row["etag"] and f["etag"] and row["etag"] != f["etag"])
            or (row["last_modified"] and f["last_modified"] and row["last_modified"] != f["last_modified"]))
        out.append(row)
    return out


async def site_data(ctx: ProbeContext, watch: Watch) -> dict[str, Any]:
    """The shop's own cookies and local storage in the copy: names and sizes out, values to the redactor."""
    page = watch.page
    host = urlsplit(watch.origin).hostname or ""
    try:
        cookies = await asyncio.wait_for(page.context.cookies([watch.origin + "/"]), 1.5)
    except Exception:
        cookies = []
    try:
        storage = await asyncio.wait_for(page.evaluate(_STORAGE_JS), 1.5)
    except Exception:
        storage = {}
    try:
        sw = await asyncio.wait_for(page.evaluate(_SW_JS), 1.0)
    except Exception:
        sw = None
    # The copy's cookie and storage values are secrets from here on (the run's redactor reads these).
    # Not short plain words ("true", "dark", "zh-CN"): masking those would mangle every report line.
    for c in cookies:
        if _secretish(str(c.get("value", ""))):
            ctx.secrets[f"mybrowser.cookie.{c.get('name')}"] = str(c.get("value", ""))
    for k, v in (storage or {}).items():
        if _secretish(str(v)):
            ctx.secrets[f"mybrowser.storage.{k}"] = str(v)
    red = ctx.state.get("redactor")
    if red is not None:
        red.add(*[v for k, v in ctx.secrets.items() if k.startswith("mybrowser.")])
    mine = [c for c in cookies if str(c.get("domain", "")).lstrip(".") in (host, "") or host.endswith(
        "." + str(c.get("domain", "")).lstrip("."))]
    return {"cookies": [{"name": c.get("name"), "length": len(str(c.get("value", ""))), "session": c.get("expires", -1) == -1}
                        for c in mine][:40],
            "storage": [{"key": k, "length": len(str(v))} for k, v in list((storage or {}).items())[:40]],
            "service_worker": sw.split("?")[0] if isinstance(sw, str) and sw.startswith(watch.origin) else (
                "other" if sw else None)}


def derived(ctx: ProbeContext) -> ProbeContext:
    """The context a copy visit runs in: its own artifacts, no HAR or trace of the shopper's profile
    (and no evidence dir, so that the visit leaves the context open for the comparisons)."""
    opts = dict(ctx.options)
    opts["evidence_dir"] = None
    opts["trace"] = False
    return dataclasses.replace(ctx, options=opts, artifacts=[])


def keep_screenshot(ctx: ProbeContext, sub: ProbeContext, label: str) -> None:
    """The copy's screenshot joins the run's evidence with --evidence; otherwise it is deleted."""
    ev = ctx.opt("evidence_dir")
    for a in sub.artifacts:
        if a.kind != "screenshot":
            continue
        src = Path(a.path)
        if ev and src.is_file():
            dest = Path(ev) / f"order-page-my-browser-{label}.png"
            shutil.move(str(src), dest)
            ctx.artifacts.append(Artifact("screenshot", str(dest), f"product page in a copy of your browser ({label})"))
        if src.parent.name.startswith("kmdiag-shot-"):
            shutil.rmtree(src.parent, ignore_errors=True)
