"""The floor for ``kmdiag order``: a bare Playwright launch + load + fill + click, paired with kmdiag.

Any script that checks an order button must start Chromium, load the page, fill the form, click and
see the order request. This benchmark runs that bare script and ``kmdiag order --demo --smoke``
alternately (A B A B ...), each a fresh process as a person would start it, and reports the
medians and the median of the per-pair ratios. Pairing cancels most of the drift of a shared
machine: a load spike hits both halves of a pair.

The bare script gets a demo shop that is already running (started once, in a child process), so
its time is only: interpreter + Playwright import + launch + load + fill + click + order response.
kmdiag's time includes its own demo start-up, all layers and rendering — the whole user-visible run.

    python benchmarks/bare_click.py                  # 7 pairs, healthy page
    python benchmarks/bare_click.py --pairs 5 --fault button-obscured
    python benchmarks/bare_click.py --json

Nothing leaves 127.0.0.1: the demo listens on loopback and Chromium resolves only the demo hosts.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

# The bare script: what a hand-written Playwright check of the same page would do, and nothing more.
BARE = r"""
import asyncio, json, sys, time
t0 = time.perf_counter()
from playwright.async_api import async_playwright
cfg = json.loads(sys.argv[1])
async def main():
    async with async_playwright() as pw:
        b = await pw.chromium.launch(executable_path=cfg["chromium"], headless=True, args=cfg["args"])
        page = await b.new_page()
        await page.goto(cfg["url"], wait_until="load")
        for sel, val in cfg["fill"].items():
            await page.fill(sel, val)
        method, path = cfg["order_request"].split(" ", 1)
        async with page.expect_response(lambda r: r.request.method == method and path in r.url, timeout=8000):
            await page.click(cfg["button"])
        await b.close()
asyncio.run(main())
print(json.dumps({"s": time.perf_counter() - t0}))
"""

# A child that serves one healthy demo shop and hands the bare script what it needs.
SERVE = r"""
import json, sys, time
from kmdiag.demo.runtime import DemoShop
from kmdiag.demo.certs import spki_sha256_b64
from kmdiag.browser.launcher import launch_args
demo = DemoShop([], command="order").start()
p = demo.profile()
host = demo.vars["shop_host"]
args = launch_args(host_map={host: "127.0.0.1"}, lockdown=True, trusted_spki=[spki_sha256_b64(demo.leaf.cert_pem)])
print(json.dumps({"url": p.url(p.order.product_url), "fill": p.order.fill, "button": p.order.button,
                  "order_request": p.order.order_request, "args": args}), flush=True)
sys.stdin.read()
demo.stop()
"""


def _chromium() -> str:
    for c in ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"):
        if os.path.exists(c):
            return c
    sys.exit("no Chromium found (apt-get install chromium)")


def _kmdiag(args: list[str]) -> tuple[float, int, str | None]:
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "kmdiag", "order", "--demo", *args, "--format", "json"],
                       capture_output=True, text=True, timeout=120)
    dt = time.perf_counter() - t0
    try:
        causes = json.loads(r.stdout).get("causes") or []
    except ValueError:
        causes = []
    return dt, r.returncode, (causes[0]["id"] if causes else None)


def _bare(cfg: dict) -> float:
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, "-c", BARE, json.dumps(cfg)], capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        sys.exit("bare script failed: " + r.stderr[-2000:])
    return time.perf_counter() - t0


def main() -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", type=int, default=7)
    ap.add_argument("--fault", default=None, help="a demo order fault for the kmdiag side (default: healthy --smoke)")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    server = subprocess.Popen([sys.executable, "-c", SERVE], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        cfg = json.loads(server.stdout.readline())
        cfg["chromium"] = _chromium()
        km_args = ["--fault", a.fault] if a.fault else ["--smoke"]
        _bare(cfg)  # warm the page cache of both sides once (first launch of the day is slower)
        _kmdiag(km_args)
        bare, km, ratios, codes, tops = [], [], [], set(), set()
        load0 = os.getloadavg()[0]
        for _ in range(a.pairs):
            b = _bare(cfg)
            k, code, top = _kmdiag(km_args)
            bare.append(b)
            km.append(k)
            ratios.append(k / b)
            codes.add(code)
            tops.add(top)
        load1 = os.getloadavg()[0]
    finally:
        if server.stdin:
            server.stdin.close()
        server.wait(timeout=20)
    res = {"pairs": a.pairs, "kmdiag_args": km_args, "bare_median_s": round(statistics.median(bare), 3),
           "kmdiag_median_s": round(statistics.median(km), 3), "median_ratio": round(statistics.median(ratios), 2),
           "exit_codes": sorted(codes), "top_causes": sorted(str(t) for t in tops),
           "loadavg_start": round(load0, 2), "loadavg_end": round(load1, 2), "cpus": os.cpu_count()}
    if a.json:
        print(json.dumps(res))
    else:
        print(f"bare launch+load+fill+click: median {res['bare_median_s']:.2f} s")
        print(f"kmdiag order --demo {' '.join(km_args)}: median {res['kmdiag_median_s']:.2f} s "
              f"(exit {res['exit_codes']}, top cause {res['top_causes']})")
        print(f"median of per-pair ratios: {res['median_ratio']:.2f}x over {a.pairs} pairs; "
              f"load average {res['loadavg_start']} -> {res['loadavg_end']} on {res['cpus']} CPUs")
    return res


if __name__ == "__main__":
    main()
