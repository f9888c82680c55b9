"""``browser.my-browser``: the page check in a private copy of the shopper's own browser profile.

Runs only with ``kmdiag order --my-browser`` (the CLI asked for consent first). The clean side of
the comparison is ``browser.page`` (a fresh context); this probe copies the shop's part of the
shopper's profile into a 0700 temp dir, runs the same visit there (their cache, service workers,
cookies, storage and enabled extensions), looks at what the copy was served, and — when the copy
fails where the clean browser did not — repeats the visit without extensions and without the
shop's site data to tell which one is to blame. It measures; ``kmdiag/checks/browser_own.py``
judges. The copy is removed in ``finally`` (and by kmdiag.browser.scratch on exit / SIGTERM).
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from kmdiag.browser.compare import outcome, worse
from kmdiag.probes import ProbeContext, Skip
from kmdiag.registry import probe

# Runs before the page's own scripts on every page of the rerun: the site's storage is empty, as after
# "clear this site's data" (IndexedDB is deleted too; its deletion completes before the page reopens it).
_CLEAR_STORAGE_JS = """(() => { if (!/^https?:$/.test(location.protocol)) return;
  try { localStorage.clear(); sessionStorage.clear(); } catch (e) {}
  try { indexedDB.databases().then(ds => ds.forEach(d => indexedDB.deleteDatabase(d.name)), () => 0); } catch (e) {}
})();"""


def _executable(family: str, explicit: str | None, environ: Any) -> dict[str, Any]:
    """The shopper's own browser when it is installed here, else the browser kmdiag would drive."""
    from kmdiag.browser.finder import candidates

    cands = candidates(explicit, environ)
    want = {"chrome": "chrome", "msedge": "msedge"}.get(family)
    for c in cands:
        if want and c.channel == want:
            return {"channel": want}
    for c in cands:
        if c.path and os.path.exists(c.path):
            return {"executable_path": c.path}
    return {}


@probe("browser.my-browser", layer="browser", needs=("browser.page",), timeout=50.0)
async def my_browser_probe(ctx: ProbeContext) -> dict[str, Any]:
    """Run the page check in a private copy of the shopper's own browser profile, beside the clean one."""
    from kmdiag.browser import scratch
    from kmdiag.browser.userprofile import cookie_crypto, copy_profile, last_version, running, touches

    ask = ctx.opt("my_browser")
    if not ask:
        raise Skip("not asked for (kmdiag order --my-browser)")
    clean = ctx.data("browser.page")
    if not clean.get("launched"):
        raise Skip("no browser could be started for the clean check")
    parts = urlsplit(ctx.profile.url(ctx.profile.order.product_url))
    origin = f"{parts.scheme}://{parts.netloc}"
    udd = Path(ask["user_data_dir"])
    home = os.path.expanduser("~")
    shown = "~" + str(udd)[len(home):] if home not in ("", "/") and str(udd).startswith(home) else str(udd)
    data: dict[str, Any] = {"browser": ask.get("browser"), "user_data_dir": shown, "profile": ask.get("profile"),
                            "origin": origin, "exists": udd.is_dir(), "running": running(udd) if udd.is_dir() else False,
                            "last_version": last_version(udd), "clean": outcome(clean)}
    if not udd.is_dir():
        data.update(readable=False, reason="missing")
        return data
    tmp = scratch.private_dir()
    try:
        started = time.monotonic()
        try:
            copied = await asyncio.wait_for(asyncio.to_thread(
                copy_profile, udd, str(ask.get("profile") or "Default"), tmp, origin, str(ask.get("browser") or "chromium"),
                ctx.opt("environ")), max(0.5, ctx.remaining() - 5))
        except (OSError, TimeoutError) as exc:
            reason = ("locked" if isinstance(exc, PermissionError) else
                      "missing" if isinstance(exc, FileNotFoundError) else "unreadable")
            data.update(readable=False, reason=reason, error=f"{type(exc).__name__}: {exc}"[:240])
            return data
        exts = copied.pop("extensions")
        data.update(readable=True, copy_ms=int((time.monotonic() - started) * 1000), **copied)
        data["extensions"] = [{k: e[k] for k in ("id", "name", "version", "blocks")} for e in exts if touches(e, origin)]
        data["other_extensions"] = sum(1 for e in exts if not touches(e, origin))
        data["cookie_crypto"] = cookie_crypto(tmp / "Default", parts.hostname or "")
        await _visits(ctx, data, tmp, exts, origin)
        _scrub(data, [v for k, v in ctx.secrets.items() if k.startswith("mybrowser.")])
    finally:
        scratch.remove(tmp)
    return data


async def _visits(ctx: ProbeContext, data: dict[str, Any], tmp: Path, exts: list[dict[str, Any]], origin: str) -> None:
    from playwright.async_api import async_playwright

    from kmdiag.browser.userprofile import touches

    # On Linux a profile whose cookies use the desktop keyring (v11) keeps the default store, so the
    # keyring of this session may still open them; otherwise Chromium's fixed key, as the copy was written.
    schemes = (data.get("cookie_crypto") or {}).get("schemes") or {}
    basic = sys.platform.startswith("linux") and "v11" not in schemes
    async with async_playwright() as pw:
        first = await _one(ctx, pw, tmp, exts, origin, "copy", with_assets=True, basic_store=basic)
        data["copy"] = first
        if not first.get("launched"):
            return
        mine = outcome(first["visit"])
        data["copy_outcome"] = mine
        rows = first.get("cookies_seen")
        crypto = data.get("cookie_crypto") or {}
        if crypto.get("maybe_unreadable") and rows is not None and rows < crypto["rows"]:
            data["unreadable_cookie_count"] = crypto["rows"] - rows
        data["copy_worse"] = worse(mine, data["clean"])
        if not data["copy_worse"]:
            return
        shop_exts = [e for e in exts if touches(e, origin)]
        if shop_exts and (mine["blocked"] or mine["page_errors"] or not mine["ordered"]) and ctx.remaining() > 8:
            again = await _one(ctx, pw, tmp, [], origin, "no-extensions", basic_store=basic)
            if again.get("launched"):
                data["without_extensions"] = outcome(again["visit"])
            if len(shop_exts) > 1 and not worse(data.get("without_extensions"), data["clean"]):
                # Several could be it: one visit with each alone (at most three) names the one that breaks it.
                culprits = []
                for e in shop_exts[:3]:
                    if ctx.remaining() < 10:
                        break
                    alone = await _one(ctx, pw, tmp, [e], origin, "one-extension", basic_store=basic)
                    if alone.get("launched") and worse(outcome(alone["visit"]), data["clean"]):
                        culprits.append(e["id"])
                data["extension_culprits"] = culprits
        stale = any(a.get("differs") for a in first.get("assets") or [])
        site = first.get("site_data") or {}
        if (site.get("cookies") or site.get("storage")) and not stale and ctx.remaining() > 8 and not (
                data.get("without_extensions") and not worse(data["without_extensions"], data["clean"])):
            again = await _one(ctx, pw, tmp, exts, origin, "no-site-data", clear_site_data=True,
                               basic_store=basic)
            if again.get("launched"):
                data["without_site_data"] = outcome(again["visit"])


async def _one(ctx: ProbeContext, pw: Any, tmp: Path, exts: list[dict[str, Any]], origin: str, label: str, *,
               with_assets: bool = False, clear_site_data: bool = False, basic_store: bool = True) -> dict[str, Any]:
    """One launch of the copy and one visit; what it was served and the shop's site data in it."""
    from kmdiag.browser.launcher import launch_args
    from kmdiag.probes import _my_browser_run as run
    from kmdiag.probes._browser_env import host_map_for
    from kmdiag.probes.browser import _visit, _within

    demo = ctx.state.get("demo")
    host_map, _ = host_map_for(ctx, demo)
    spki: list[str] = []
    if demo is not None:
        from kmdiag.demo.certs import spki_sha256_b64

        spki = [spki_sha256_b64(demo.leaf.cert_pem)]
    environ = ctx.opt("environ") or os.environ
    lockdown = demo is not None or bool(ctx.opt("browser_lockdown")) or environ.get("KMDIAG_BROWSER_LOCKDOWN") == "1"
    args = launch_args(host_map=host_map, lockdown=lockdown, trusted_spki=spki)
    if basic_store:
        args.append("--password-store=basic")  # Chromium's own key ("peanuts"): what a copy can decrypt on Linux
    kw: dict[str, Any] = {"headless": True, "args": args, "service_workers": "allow", "locale": "zh-CN",
                          "viewport": {"width": 1280, "height": 900}, "timeout": _within(ctx, 8.0) * 1000,
                          **_executable(str(ctx.opt("my_browser", {}).get("browser") or ""), ctx.opt("browser_path"), environ)}
    if exts:
        paths = ",".join(e["path"] for e in exts)
        kw["args"] = [*args, f"--load-extension={paths}", f"--disable-extensions-except={paths}"]
        kw["ignore_default_args"] = ["--disable-extensions"]
    started = time.monotonic()
    try:
        context = await pw.chromium.launch_persistent_context(str(tmp), **kw)
    except Exception as exc:
        return {"launched": False, "error": (str(exc).splitlines() or [type(exc).__name__])[0][:240]}
    out: dict[str, Any] = {"launched": True, "label": label, "extensions_loaded": len(exts),
                           "version": context.browser.version if context.browser else None,
                           "launch_ms": int((time.monotonic() - started) * 1000)}
    sub = run.derived(ctx)
    watch = run.Watch(origin)
    try:
        for p in list(context.pages):  # the start page a persistent context opens: not part of the visit
            await p.close()
        if clear_site_data:  # this site's cookies and storage gone, everything else (cache, workers) kept
            await context.clear_cookies(domain=urlsplit(origin).hostname or "")
            await context.add_init_script(_CLEAR_STORAGE_JS)
        out["visit"] = await _visit(sub, None, context=context, guard=watch.guard)
        out["guard"] = watch.guarded
        if watch.page is not None and ctx.remaining() > 3:
            if with_assets:
                out["assets"] = await run.compare_assets(watch, min(3.0, ctx.remaining() - 2.5))
            out["site_data"] = await run.site_data(ctx, watch)
            try:
                out["cookies_seen"] = len(await asyncio.wait_for(context.cookies([origin + "/"]), 1.0))
            except Exception:
                pass
        run.keep_screenshot(ctx, sub, label)
    finally:
        try:
            await asyncio.wait_for(context.close(), max(0.3, min(3.0, ctx.remaining() - 0.2)))
        except Exception:
            pass
    return out


def _scrub(obj: Any, values: list[str]) -> Any:
    """Mask the start of a site value wherever a message quotes it cut short (``"v1:42|KM"... is not
    valid JSON``): the redactor masks whole values, a browser's error text may hold only a prefix."""
    vals = sorted({v for v in values if len(v) >= 6}, key=len, reverse=True)
    if not vals:
        return obj

    def text(t: str) -> str:
        for v in vals:
            for n in range(len(v), 5, -1):
                if v[:n] in t:
                    t = t.replace(v[:n], "[REDACTED]")
                    break
        return t

    def walk(o: Any) -> Any:
        if isinstance(o, dict):
            for k, v in o.items():
                o[k] = walk(v)
        elif isinstance(o, list):
            o[:] = [walk(x) for x in o]
        elif isinstance(o, str):
            return text(o)
        return o

    return walk(obj)
