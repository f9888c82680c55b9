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
    python benchmarks/bare_click.py --platform acg-faka   # the acg-faka demo: pay buttons built after load
    python benchmarks/bare_click.py --json

A fault run's kmdiag side waits the profile's feedback window by design (feedback that never comes);
its target is "bare + feedback window + 0.5 s", so the window is reported beside the ratio. The bare
side always clicks the healthy page of the same demo (the floor for the same work). On the acg-faka
demo the bare script waits for the pay button the page's script builds (Playwright's own
actionability wait) and for the order request (the shop's captcha may answer it or stop it).

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
        await page.wait_for_selector(cfg["button"], state="visible", timeout=8000)  # script-built buttons
        async with page.expect_request(lambda r: r.method == method and path in r.url, timeout=8000) as req:
            await page.click(cfg["button"])
        try:
            await (await req.value).response()
        except Exception:
            pass
        await b.close()
asyncio.run(main())
print(json.dumps({"s": time.perf_counter() - t0}))
"""

# A child that serves one healthy demo shop and hands the bare script what it needs.
SERVE = r"""
import json, sys, time
from kmdiag.demo.platforms import make_demo
from kmdiag.demo.certs import spki_sha256_b64
from kmdiag.browser.launcher import launch_args
demo = make_demo([], "order", sys.argv[1] or None).start()
p = demo.profile()
args = launch_args(host_map=demo.host_map(), lockdown=True, trusted_spki=[spki_sha256_b64(demo.leaf.cert_pem)])
print(json.dumps({"url": p.url(p.order.product_url), "fill": p.order.fill, "button": p.order.button,
                  "order_request": p.order.order_request, "args": args, "feedback_ms": p.order.feedback_ms}),
      flush=True)
sys.stdin.read()
demo.stop()
"""


def _chromium() -> str:
    for c in ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"):
        if os.path.exists(c):
            return c
    sys.exit("no Chromium found (apt-get install chromium)")


def _kmdiag(args: list[str], env: dict[str, str]) -> tuple[float, int, str | None]:
    """One fresh ``kmdiag order --demo ...`` process: (seconds, exit code, top cause) — paired.py's runner."""
    from paired import _one  # benchmarks/ is on sys.path when this file runs as a script

    return _one(sys.executable, ["order", "--demo", *args], env)


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
    ap.add_argument("--platform", default="", help="a demo platform (acg-faka) instead of the default demo shop")
    ap.add_argument("--env", action="append", default=[], help="NAME=VALUE for the kmdiag side (KMDIAG_PRELAUNCH=0)")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    env = dict(e.split("=", 1) for e in a.env)
    server = subprocess.Popen([sys.executable, "-c", SERVE, a.platform], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True)
    try:
        assert server.stdout is not None
        cfg = json.loads(server.stdout.readline())
        cfg["chromium"] = _chromium()
        km_args = (["--platform", a.platform] if a.platform else []) + (["--fault", a.fault] if a.fault else ["--smoke"])
        _bare(cfg)  # warm the page cache of both sides once (first launch of the day is slower)
        _kmdiag(km_args, env)
        bare, km, ratios, codes, tops = [], [], [], set(), set()
        load0 = os.getloadavg()[0]
        for _ in range(a.pairs):
            b = _bare(cfg)
            k, code, top = _kmdiag(km_args, env)
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
    res = {"pairs": a.pairs, "kmdiag_args": km_args, "env": env, "feedback_window_s": cfg["feedback_ms"] / 1000,
           "kmdiag_minus_bare_s": round(statistics.median(k - b for k, b in zip(km, bare, strict=True)), 3), "bare_median_s": round(statistics.median(bare), 3),
           "kmdiag_median_s": round(statistics.median(km), 3), "median_ratio": round(statistics.median(ratios), 2),
           "exit_codes": sorted(codes), "top_causes": sorted(str(t) for t in tops),
           "loadavg_start": round(load0, 2), "loadavg_end": round(load1, 2), "cpus": os.cpu_count()}
    if a.json:
        print(json.dumps(res))
    else:
        print(f"bare launch+load+fill+click: median {res['bare_median_s']:.2f} s")
        print(f"kmdiag order --demo {' '.join(km_args)}: median {res['kmdiag_median_s']:.2f} s "
              f"(exit {res['exit_codes']}, top cause {res['top_causes']})")
        print(f"median of per-pair differences: {res['kmdiag_minus_bare_s']:+.2f} s (feedback window "
              f"{res['feedback_window_s']:.1f} s)")
        print(f"median of per-pair ratios: {res['median_ratio']:.2f}x over {a.pairs} pairs; "
              f"load average {res['loadavg_start']} -> {res['loadavg_end']} on {res['cpus']} CPUs")
    return res


if __name__ == "__main__":
    main()
