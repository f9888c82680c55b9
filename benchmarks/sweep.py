"""Benchmark ``kmdiag payment --sweep``: 10,000 orders against the demo epay gateway on loopback.

    python benchmarks/sweep.py                     # 10,000 orders, 25 lost, concurrency 64
    python benchmarks/sweep.py --orders 2000 --sequential-sample 300 --json

What it measures (see benchmarks/README.md): the concurrent sweep's orders/second, the same queries
one at a time (a sample, extrapolated to all orders — said so in the output), peak memory of the
sweep (tracemalloc, in a second identical run so that tracing does not slow the timed one) and the
max RSS of this process and of the gateway process. It checks that exactly the seeded lost orders
are found. Everything is on 127.0.0.1; the run ends by itself (``--budget`` seconds at most).

The demo shop + gateway run in a child process (``--serve``): the demo's stdlib threaded HTTP
server shares the GIL with whatever runs beside it, so in one process the benchmark would measure
the server and the client fighting over one interpreter instead of the sweep.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import time
import tracemalloc
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)


def serve(orders: int, lost: int, server: str, latency_ms: float) -> None:
    """Child process: start the demo shop + gateway, seed orders, hand the client the profile, wait.

    ``server="asyncio"`` serves the same gateway ``App`` from one event loop (benchmarks/_aioserver.py);
    ``"threaded"`` keeps the demo's own stdlib server. ``latency_ms`` delays each provider answer.
    """
    from kmdiag.demo.pay import gateway, seed
    from kmdiag.demo.runtime import DemoShop

    demo = DemoShop([], command="payment").start()
    try:
        seeded = seed.seed_orders(demo, orders, lost, seed=1)
        gw = gateway.gateway_of(demo)
        info: dict[str, Any] = {"profile": demo.profile_text(), "secrets": dict(demo.secrets), "lost": seeded}
        if server == "threaded":
            if latency_ms:
                gw.query_hook = lambda req: time.sleep(latency_ms / 1000)  # returns None: answer normally
            sys.stdout.write(json.dumps(info) + "\n")
            sys.stdout.flush()
            sys.stdin.read()  # until the parent closes the pipe
            return
        from benchmarks._aioserver import serve as aioserve

        async def main() -> None:
            srv = await aioserve(gw.app, latency=latency_ms / 1000)
            info["gateway"] = f"http://127.0.0.1:{srv.sockets[0].getsockname()[1]}/"
            sys.stdout.write(json.dumps(info) + "\n")
            sys.stdout.flush()
            await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
            srv.close()

        asyncio.run(main())
    finally:
        demo.stop()


async def _sweep(profile: Any, provider: Any, ids: list[str], concurrency: int, budget: float,
                 per_pool: int) -> Any:
    from kmdiag.payment.net import async_client
    from kmdiag.payment.sweep import run_sweep
    from kmdiag.payment.sweep_clients import ClientShards
    from kmdiag.payment.sweep_run import PROVIDER_MAX_BODY

    def factory(n: int) -> Any:  # as the CLI builds them (kmdiag.payment.sweep_run.sweep_shop)
        return async_client(profile, timeout=10.0, max_connections=n, max_body=PROVIDER_MAX_BODY)

    async with ClientShards(factory, concurrency, per_pool) as shards:
        async def query(oid: str) -> Any:
            return await provider.query(shards.client(), oid)

        return await run_sweep(ids, query, concurrency=concurrency, timeout=budget)


async def _pending_ids(profile: Any, secrets: dict[str, str]) -> list[str]:
    from kmdiag.payment.net import async_client
    from kmdiag.payment.sweep_inputs import InputStats
    from kmdiag.payment.sweep_run import fetch_pending

    async with async_client(profile, timeout=30.0) as client:
        return await fetch_pending(client, profile, secrets, 86400.0, InputStats())


def run(args: argparse.Namespace, latency_ms: float, deadline: float) -> dict[str, Any]:
    """One scenario: a fresh gateway process with ``latency_ms``; timed, traced and sequential runs."""
    from kmdiag.payment.providers.base import make_provider
    from kmdiag.profile.loader import parse_profile

    child = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--serve", "--orders", str(args.orders),
                              "--lost", str(args.lost), "--server", args.server, "--latency-ms", str(latency_ms)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        line = child.stdout.readline() if child.stdout else ""
        if not line:
            raise SystemExit("the demo gateway process did not start")
        info = json.loads(line)
        profile = parse_profile(info["profile"], "demo (benchmark)")
        if info.get("gateway"):  # the asyncio server: same gateway App, its own port
            profile.payment.provider.gateway = info["gateway"]
        provider = make_provider(profile.payment.provider, info["secrets"])
        ids = asyncio.run(_pending_ids(profile, info["secrets"]))
        remaining = lambda: max(1.0, deadline - time.monotonic())  # noqa: E731

        t0 = time.perf_counter()
        s = asyncio.run(_sweep(profile, provider, ids, args.concurrency, remaining(), args.per_pool))
        wall = time.perf_counter() - t0
        found = sorted(r.order_id for r in s.lost)

        tracemalloc.start()
        s2 = asyncio.run(_sweep(profile, provider, ids, args.concurrency, remaining(), args.per_pool))
        traced_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()

        sample = ids[: args.sequential_sample]
        t1 = time.perf_counter()
        s3 = asyncio.run(_sweep(profile, provider, sample, 1, remaining(), 1))
        seq_wall = time.perf_counter() - t1
    finally:
        if child.stdin:
            child.stdin.close()
        try:
            child.wait(10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
    seq_rate = s3.total / seq_wall if seq_wall else 0.0
    rate = s.total / wall if wall else 0.0
    return {
        "latency_ms": latency_ms, "orders": len(ids), "lost_seeded": len(info["lost"]), "lost_found": len(found),
        "exactly_the_lost": found == sorted(info["lost"]), "concurrency": args.concurrency,
        "unchecked_or_errors": s.counts["unchecked"] + s.counts["error"],
        "concurrent_wall_s": round(wall, 3), "concurrent_orders_per_s": round(rate, 1),
        "sequential_sample": s3.total, "sequential_sample_wall_s": round(seq_wall, 3),
        "sequential_orders_per_s": round(seq_rate, 1),
        "sequential_extrapolated_s": round(len(ids) / seq_rate, 1) if seq_rate else None,
        "speedup": round(rate / seq_rate, 1) if seq_rate else None,
        "tracemalloc_peak_mb": round(traced_peak / 2**20, 2), "traced_run_complete": s2.total == len(ids),
        "sequential_complete": s3.total == len(sample) and not s3.counts["unchecked"],
    }


def engine_only(n: int, concurrency: int) -> float:
    """Orders/s of the sweep engine itself with an instant in-memory provider: its own overhead."""
    from kmdiag.payment.providers.base import ProviderRecord
    from kmdiag.payment.sweep import run_sweep

    async def query(oid: str) -> ProviderRecord:
        await asyncio.sleep(0)
        return ProviderRecord(oid, True, oid.endswith("7"), "0", None, None, None)

    t0 = time.perf_counter()
    asyncio.run(run_sweep((f"KM{i:08d}" for i in range(n)), query, concurrency=concurrency))
    return n / (time.perf_counter() - t0)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--orders", type=int, default=10_000)
    p.add_argument("--lost", type=int, default=25)
    p.add_argument("--concurrency", type=int, default=64)
    p.add_argument("--per-pool", type=int, default=8, help="connections per httpx pool (kmdiag/payment/sweep_clients.py)")
    p.add_argument("--sequential-sample", type=int, default=1000)
    p.add_argument("--latency-ms", default="0,20",
                   help="comma-separated provider latencies to add, one scenario each (0 = raw loopback)")
    p.add_argument("--server", choices=("asyncio", "threaded"), default="asyncio",
                   help="how the child process serves the demo gateway (see benchmarks/README.md)")
    p.add_argument("--budget", type=float, default=600.0, help="seconds for the whole benchmark")
    p.add_argument("--json", action="store_true")
    p.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.serve:
        serve(args.orders, args.lost, args.server, float(args.latency_ms))
        return
    deadline = time.monotonic() + args.budget
    scenarios = [run(args, float(x), deadline) for x in str(args.latency_ms).split(",") if x.strip()]
    out = {"scenarios": scenarios, "server": args.server, "per_pool": args.per_pool,
           "engine_only_orders_per_s": round(engine_only(args.orders, args.concurrency)),
           "client_max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
           "gateway_max_rss_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1),
           "python": sys.version.split()[0], "cpus": os.cpu_count(), "load_avg_1m": round(os.getloadavg()[0], 2)}
    if args.json:
        print(json.dumps(out, indent=2))
        return
    for r in scenarios:
        print(f"-- provider latency {r['latency_ms']:g} ms: {r['orders']} orders, lost seeded {r['lost_seeded']}, "
              f"found {r['lost_found']} (exactly: {r['exactly_the_lost']}), unchecked/errors {r['unchecked_or_errors']}")
        print(f"   concurrent (c={r['concurrency']}): {r['concurrent_wall_s']} s → {r['concurrent_orders_per_s']} orders/s")
        print(f"   sequential: {r['sequential_sample']} orders in {r['sequential_sample_wall_s']} s → "
              f"{r['sequential_orders_per_s']} orders/s (extrapolated to {r['orders']}: {r['sequential_extrapolated_s']} s)")
        print(f"   speed-up {r['speedup']}×, tracemalloc peak {r['tracemalloc_peak_mb']} MB")
    print(f"engine alone (instant in-memory provider): {out['engine_only_orders_per_s']} orders/s")
    print(f"max RSS: client {out['client_max_rss_mb']} MB, gateway {out['gateway_max_rss_mb']} MB; "
          f"{out['cpus']} CPUs, load average {out['load_avg_1m']} (server: {out['server']})")


if __name__ == "__main__":
    main()
