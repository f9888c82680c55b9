"""Benchmark ``kmdiag serve``: order probes per minute with 1, 2 and 4 browsers, memory per browser,
sweep probes per minute over 10,000 orders, and the exporter's idle memory.

    python benchmarks/serve.py                       # pools 1,2,4 for 30 s each; 3 sweeps of 10,000 orders
    python benchmarks/serve.py --pools 1,2 --duration 20 --sweeps 2 --json

Everything is a real process on 127.0.0.1: the exporter (``python -m kmdiag serve``) is scraped over
HTTP exactly as Prometheus scrapes it. Order probes run against a demo shop the exporter starts itself
(the browser needs the demo's resolver and certificate rules), with as many client threads as
browsers so that the pool is always full and nobody is turned away. Memory per browser is the peak
proportional set size (PSS, so shared pages are not counted twice) of everything the exporter
started — Chromium's processes and the Playwright drivers — divided by the pool size. The sweep's
shop and gateway run in a child process (``benchmarks/sweep.py --serve``, the asyncio server), so
the exporter sweeps a shop over the loopback network as it would sweep a real one.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.serve.helpers import Exporter, chromium_browsers, descendants, http, metric_lines  # noqa: E402


def pss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _kind(pid: int) -> str:
    """chromium (any of its processes), driver (Playwright's node), or other."""
    try:  # the executable, not the command line: Chromium's helpers rewrite theirs
        exe = os.path.basename(os.readlink(f"/proc/{pid}/exe"))
    except OSError:
        return "other"
    if exe.startswith(("chrom", "headless_shell")):
        return "chromium"
    return "driver" if exe == "node" else "other"


def idle(tmp: Path) -> dict[str, Any]:
    cfg = tmp / "idle.yml"
    cfg.write_text("profiles:\n  shop: {profile: generic}\n", encoding="utf-8")
    exp = Exporter(cfg, tmp / "idle.log")
    try:
        time.sleep(2.0)
        http(exp.url("/metrics"))
        return {"rss_mb": round(rss_kb(exp.proc.pid) / 1024, 1), "pss_mb": round(pss_kb(exp.proc.pid) / 1024, 1)}
    finally:
        exp.stop()


def order_pool(tmp: Path, browsers: int, duration: float) -> dict[str, Any]:
    cfg = tmp / f"order-{browsers}.yml"
    cfg.write_text(f"browsers: {browsers}\nprofiles:\n  demo: {{demo: {{command: order}}}}\n", encoding="utf-8")
    exp = Exporter(cfg, tmp / f"order-{browsers}.log")
    done: list[float] = []
    outcomes: dict[str, int] = {}
    peak = {"children_pss_kb": 0, "browsers": 0, "chromium_pss_kb": 0, "driver_pss_kb": 0}
    stop = threading.Event()
    lock = threading.Lock()

    def sample() -> None:
        while not stop.is_set():
            by_kind = {"chromium": 0, "driver": 0, "other": 0}
            for p in descendants(exp.proc.pid):
                by_kind[_kind(p)] += pss_kb(p)
            n = chromium_browsers(exp.proc.pid)
            peak["children_pss_kb"] = max(peak["children_pss_kb"], sum(by_kind.values()))
            peak["chromium_pss_kb"] = max(peak["chromium_pss_kb"], by_kind["chromium"])
            peak["driver_pss_kb"] = max(peak["driver_pss_kb"], by_kind["driver"])
            peak["browsers"] = max(peak["browsers"], n)
            time.sleep(0.25)

    def client(end: float) -> None:
        while time.monotonic() < end:
            t0 = time.monotonic()
            _code, body = http(exp.url("/probe?module=order&profile=demo"), timeout=60,
                               headers={"X-Prometheus-Scrape-Timeout-Seconds": "30"})
            m = metric_lines(body)
            key = ("pool-busy" if m.get('kmdiag_probe_failure_info{reason="browser-pool-busy"}') else
                   "ok" if m.get("kmdiag_probe_success") == 1 else "problem-or-inconclusive")
            with lock:
                outcomes[key] = outcomes.get(key, 0) + 1
                done.append(time.monotonic() - t0)

    try:
        http(exp.url("/probe?module=order&profile=demo"), timeout=60)  # warm-up: first Chromium start, imports
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        started = time.monotonic()
        end = started + duration
        threads = [threading.Thread(target=client, args=(end,)) for _ in range(browsers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - started
        stop.set()
        sampler.join()
        exporter_rss = rss_kb(exp.proc.pid)
    finally:
        exp.stop()
    done.sort()
    return {"browsers": browsers, "probes": len(done), "elapsed_s": round(elapsed, 1),
            "probes_per_min": round(len(done) / elapsed * 60, 1), "outcomes": outcomes,
            "median_probe_s": round(done[len(done) // 2], 2) if done else None,
            "peak_browsers_seen": peak["browsers"],
            "peak_children_pss_mb": round(peak["children_pss_kb"] / 1024, 1),
            "pss_per_browser_mb": round(peak["children_pss_kb"] / 1024 / browsers, 1),
            "chromium_pss_per_browser_mb": round(peak["chromium_pss_kb"] / 1024 / browsers, 1),
            "driver_pss_per_browser_mb": round(peak["driver_pss_kb"] / 1024 / browsers, 1),
            "exporter_rss_after_mb": round(exporter_rss / 1024, 1)}


def sweeps(tmp: Path, orders: int, lost: int, n: int) -> dict[str, Any]:
    child = subprocess.Popen([sys.executable, str(ROOT / "benchmarks" / "sweep.py"), "--serve", "--orders", str(orders),
                              "--lost", str(lost), "--server", "asyncio", "--latency-ms", "0"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    exp = None
    try:
        line = child.stdout.readline() if child.stdout else ""
        if not line:
            raise SystemExit("the demo gateway process did not start")
        info = json.loads(line)
        text = re.sub(r'(?m)^(\s*gateway:\s*).*$', lambda m: m.group(1) + json.dumps(info["gateway"]),
                      info["profile"], count=1)
        (tmp / "shop.yaml").write_text(text, encoding="utf-8")
        (tmp / "sweep.yml").write_text(
            "profiles:\n  shop: {profile: shop.yaml}\nmodules:\n  payment-sweep: {profile: shop, timeout_s: 120, "
            "since: 1d, concurrency: 64}\n", encoding="utf-8")
        os.environ.update(info["secrets"])  # the exporter reads the shop's keys from its environment, by name
        exp = Exporter(tmp / "sweep.yml", tmp / "sweep.log")
        walls, found = [], []
        started = time.monotonic()
        for _ in range(n):
            t0 = time.monotonic()
            _code, body = http(exp.url("/probe?module=payment-sweep"), timeout=130,
                               headers={"X-Prometheus-Scrape-Timeout-Seconds": "120"})
            walls.append(time.monotonic() - t0)
            m = metric_lines(body)
            found.append((int(m.get("kmdiag_paid_unsynced_orders", -1)), int(m.get("kmdiag_sweep_orders_checked", -1))))
        elapsed = time.monotonic() - started
        return {"orders": orders, "lost_seeded": lost, "probes": n, "probes_per_min": round(n / elapsed * 60, 2),
                "probe_s": [round(w, 2) for w in walls], "orders_per_s": round(orders / (sum(walls) / n), 1),
                "found_lost_checked": found, "exporter_rss_after_mb": round(rss_kb(exp.proc.pid) / 1024, 1)}
    finally:
        if exp is not None:
            exp.stop()
        if child.stdin:
            child.stdin.close()
        try:
            child.wait(10)
        except subprocess.TimeoutExpired:
            child.kill()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--pools", default="1,2,4")
    p.add_argument("--duration", type=float, default=30.0, help="seconds of order probes per pool size")
    p.add_argument("--orders", type=int, default=10_000)
    p.add_argument("--lost", type=int, default=25)
    p.add_argument("--sweeps", type=int, default=3)
    p.add_argument("--json", action="store_true")
    args = p.parse_args()
    os.environ.setdefault("KMDIAG_BROWSER_LOCKDOWN", "1")  # Chromium resolves only the demo's hosts
    os.environ["NO_PROXY"] = "*"
    out: dict[str, Any] = {"cpus": os.cpu_count(), "load_avg_1m_start": round(os.getloadavg()[0], 2)}
    with tempfile.TemporaryDirectory(prefix="kmdiag-bench-serve-") as d:
        tmp = Path(d)
        out["idle"] = idle(tmp)
        out["order"] = [order_pool(tmp, int(n), args.duration) for n in args.pools.split(",") if n.strip()]
        if args.sweeps:
            out["sweep"] = sweeps(tmp, args.orders, args.lost, args.sweeps)
    out["load_avg_1m_end"] = round(os.getloadavg()[0], 2)
    if args.json:
        print(json.dumps(out, indent=2))
        return
    print(f"exporter idle: RSS {out['idle']['rss_mb']} MB (PSS {out['idle']['pss_mb']} MB)")
    for r in out["order"]:
        print(f"order probes, {r['browsers']} browser(s): {r['probes_per_min']}/min ({r['probes']} in {r['elapsed_s']} s, "
              f"median {r['median_probe_s']} s, {r['outcomes']}); peak browsers {r['peak_browsers_seen']}, "
              f"children PSS {r['peak_children_pss_mb']} MB = {r['pss_per_browser_mb']} MB per browser "
              f"(Chromium {r['chromium_pss_per_browser_mb']}, Playwright driver {r['driver_pss_per_browser_mb']}); "
              f"exporter RSS after {r['exporter_rss_after_mb']} MB")
    if "sweep" in out:
        s = out["sweep"]
        print(f"sweep probes over {s['orders']} orders: {s['probes_per_min']}/min (each {s['probe_s']} s, "
              f"{s['orders_per_s']} orders/s; lost found/checked {s['found_lost_checked']}); "
              f"exporter RSS after {s['exporter_rss_after_mb']} MB")
    print(f"{out['cpus']} CPUs, load average {out['load_avg_1m_start']} → {out['load_avg_1m_end']}")


if __name__ == "__main__":
    main()
