"""A real Playwright trace and HAR, redacted, still open in their viewers — and hold no secret.

The trace is recorded against a tiny loopback page with a bearer token header, a session cookie,
a phone number typed into the form and a token in the posted JSON. After redaction the trace is
opened in Playwright's own trace viewer (served on loopback by ``playwright show-trace``) in
headless Chromium, and the HAR is replayed by Playwright's ``route_from_har``.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from kmdiag.demo.http import LoopbackHTTPServer
from kmdiag.redact import Redactor
from tests.reports.test_html_browser import ARGS, CHROMIUM

TOKEN = "trace-tok-Q8w7E6r5T4y3"
COOKIE = "trace-cookie-Z1x2C3v4B5"
PHONE = "13712345678"
PAGE = b"""<!doctype html><html><head><meta charset="utf-8"><title>t</title></head><body>
<input id="contact"><button id="buy" onclick="fetch('/api/orders',{method:'POST',headers:{'Content-Type':
'application/json'},body:JSON.stringify({contact:document.getElementById('contact').value,token:'%s'})})
.then(r=>r.text()).then(t=>document.body.dataset.done=t)">buy</button></body></html>""" % TOKEN.encode()

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180),
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium is not installed")]


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *a: object) -> None:
        pass

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Set-Cookie", f"km_session={COOKIE}; Path=/")
        self.end_headers()
        self.wfile.write(PAGE)

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"code":0,"order":"KM20261125000001"}')


@pytest.fixture
def site() -> Iterator[str]:
    server = LoopbackHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


async def _record(url: str, out: Path) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=[*ARGS[:-1], "--host-resolver-rules="
                                           "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"])
        ctx = await browser.new_context(record_har_path=str(out / "raw.har"),
                                        extra_http_headers={"Authorization": f"Bearer {TOKEN}"})
        await ctx.tracing.start(screenshots=True, snapshots=True)
        page = await ctx.new_page()
        await page.goto(url)
        await page.fill("#contact", PHONE)
        await page.click("#buy")
        await page.wait_for_function("document.body.dataset.done")
        await ctx.tracing.stop(path=str(out / "raw-trace.zip"))
        await ctx.close()
        await browser.close()


async def _view_trace(viewer_url: str) -> str:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=[*ARGS[:-1], "--host-resolver-rules="
                                           "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"])
        page = await browser.new_page()
        await page.goto(viewer_url)
        await page.get_by_text("Fill").first.wait_for(timeout=15000)
        text = await page.inner_text("body")
        await browser.close()
        return text


async def _replay_har(har: Path, url: str) -> str:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)  # resolves nothing: HAR only
        ctx = await browser.new_context()
        await ctx.route_from_har(str(har), not_found="abort")
        page = await ctx.new_page()
        await page.goto(url)
        title = await page.title()
        await browser.close()
        return title


def _secrets_in(data: bytes) -> list[str]:
    return [s for s in (TOKEN, COOKIE, PHONE) if s.encode() in data]


def test_redacted_trace_opens_in_the_trace_viewer_and_har_replays(site: str, tmp_path: Path) -> None:
    asyncio.run(_record(site, tmp_path))
    raw_members = zipfile.ZipFile(tmp_path / "raw-trace.zip").namelist()
    assert any(_secrets_in(zipfile.ZipFile(tmp_path / "raw-trace.zip").read(n)) for n in raw_members)  # it was there
    r = Redactor([TOKEN])  # the cookie is unknown to kmdiag: it must go by name
    trace = r.file(tmp_path / "raw-trace.zip", tmp_path / "bundle" / "trace.zip", "trace")
    har = r.file(tmp_path / "raw.har", tmp_path / "bundle" / "page.har", "har")
    with zipfile.ZipFile(trace) as z:
        assert z.namelist() == raw_members
        for n in z.namelist():
            assert not _secrets_in(z.read(n)), n
    assert not _secrets_in(har.read_bytes())

    proc = subprocess.Popen([sys.executable, "-m", "playwright", "show-trace", "-h", "127.0.0.1", "-p", "0",
                             str(trace)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "BROWSER": "/bin/true"},
                            start_new_session=True)  # its own process group: the node server goes with it
    try:
        deadline, line = time.monotonic() + 20, ""
        while "Listening" not in line and time.monotonic() < deadline and proc.stdout is not None:
            line = proc.stdout.readline()
        m = re.search(r"http://127\.0\.0\.1:\d+", line)
        assert m, f"trace viewer did not start: {line!r}"
        shown = asyncio.run(_view_trace(m.group(0) + "/"))
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(10)
    assert 'Fill "137****5678"' in shown and "Network" in shown
    assert TOKEN not in shown and PHONE not in shown
    assert asyncio.run(_replay_har(har, site)) == "t"
