"""Browser profiles built the way a shopper's are: by really browsing the loopback shop in Chromium."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from kmdiag.browser.launcher import launch_args

CHROMIUM = "/usr/bin/chromium"


async def _browse(udd: Path, urls: list[str], *, extension: Path | list[Path] | None = None, cookies: list[dict[str, Any]] | None = None,
                  storage: dict[str, dict[str, str]] | None = None, settle: float = 0.3) -> None:
    from playwright.async_api import async_playwright

    args = launch_args(lockdown=True, is_root=None) + ["--password-store=basic"]
    kw: dict[str, Any] = {"executable_path": CHROMIUM, "headless": True, "args": args}
    if extension is not None:
        paths = ",".join(str(p) for p in (extension if isinstance(extension, list) else [extension]))
        kw["args"] = [*args, f"--load-extension={paths}", f"--disable-extensions-except={paths}"]
        kw["ignore_default_args"] = ["--disable-extensions"]
    async with async_playwright() as pw:
        ctx = await pw.chromium.launch_persistent_context(str(udd), **kw)
        try:
            if cookies:
                await ctx.add_cookies(cookies)
            page = ctx.pages[0] if ctx.pages else await ctx.new_page()
            for origin, values in (storage or {}).items():
                await page.goto(origin + "/item")
                await page.evaluate("v => { for (const k in v) localStorage.setItem(k, v[k]); }", values)
            for url in urls:
                await page.goto(url)
                await asyncio.sleep(settle)
        finally:
            await ctx.close()


def build(udd: Path, urls: list[str], **kw: Any) -> Path:
    asyncio.run(_browse(udd, urls, **kw))
    return udd
