"""The HTML report opened in the real headless Chromium: the diagnosis shows, the screenshot decodes."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from kmdiag.models import Report
from kmdiag.redact import Redactor
from kmdiag.render import render

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--headless", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--host-resolver-rules=MAP * ~NOTFOUND"]

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium is not installed at /usr/bin/chromium")]


async def open_report(path: Path) -> dict:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = await browser.new_page()
            requests: list[str] = []
            page.on("request", lambda r: requests.append(r.url))
            await page.goto(path.as_uri())
            return {
                "diagnosis": await page.inner_text("#diagnosis ~ section.cause"),
                "status": await page.inner_text("#status"),
                "images": await page.eval_on_selector_all(
                    "img", "els => els.map(e => ({w: e.naturalWidth, h: e.naturalHeight, ok: e.complete}))"),
                "waterfall": await page.eval_on_selector_all("#waterfall .seg", "els => els.length"),
                "requests": requests,
                "charset": await page.evaluate("document.characterSet"),
            }
        finally:
            await browser.close()


@pytest.mark.parametrize("lang,title,step", [("zh", "DNS 被劫持", "换用可信 DNS"), ("en", "DNS is hijacked", "use a trusted DNS")])
def test_html_renders_diagnosis_and_screenshot(tmp_path: Path, report: Report, redactor: Redactor, lang: str,
                                               title: str, step: str) -> None:
    path = tmp_path / "report.html"
    path.write_text(render(report, "html", lang=lang, redactor=redactor), encoding="utf-8")
    seen = asyncio.run(open_report(path))
    assert title in seen["diagnosis"] and step in seen["diagnosis"]
    assert seen["status"] in ("发现问题", "Problem found")
    assert seen["images"] == [{"w": 40, "h": 20, "ok": True}]
    assert seen["waterfall"] >= 5
    assert seen["charset"] == "UTF-8"
    assert all(u.startswith(("file:", "data:")) for u in seen["requests"]), seen["requests"]
