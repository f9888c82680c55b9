"""The sweep engine against a real loopback gateway: exactly the lost orders, each order once, politely."""

from __future__ import annotations

import asyncio
import random
import time
from pathlib import Path

import httpx
import pytest

from kmdiag.cli.sweep import exit_for
from kmdiag.payment.providers.base import ProviderRecord, error_record
from kmdiag.payment.ratelimit import TokenBucket, backoff, retryable
from kmdiag.payment.sweep import OrderResult, run_sweep
from kmdiag.payment.sweep_inputs import (
    InputStats,
    ids_from_payload,
    parse_since,
    pending_url,
    read_orders_file,
)

from .fake_gateway import FakeEpay, make_query


def ids(n: int, prefix: str = "KM20261125") -> list[str]:
    return [f"{prefix}{i:06d}" for i in range(1, n + 1)]


def sweep(gw: FakeEpay, orders: list[str], **kw: object) -> tuple[object, list[OrderResult]]:
    results: list[OrderResult] = []
    key = kw.pop("key", None)

    async def main() -> object:
        async with httpx.AsyncClient(timeout=10, trust_env=False) as client:
            q = make_query(client, gw.base, key) if key else make_query(client, gw.base)
            return await run_sweep(orders, q, on_result=results.append, backoff_base=0.05, **kw)

    return asyncio.run(main()), results


@pytest.fixture
def gateway():
    gws: list[FakeEpay] = []

    def make(**kw: object) -> FakeEpay:
        gw = FakeEpay(**kw).start()
        gws.append(gw)
        return gw

    yield make
    for gw in gws:
        gw.close()


def test_finds_exactly_the_lost_orders_each_once(gateway) -> None:
    orders = ids(300)
    rng = random.Random(7)
    lost = set(rng.sample(orders, 7))
    rest = [o for o in orders if o not in lost]
    errors, flaky = set(rest[:5]), {o: 2 for o in rest[5:10]}
    unpaid = set(rest[10:250])
    gw = gateway(paid={o: "6" for o in lost}, unpaid=unpaid, errors=errors, flaky=dict(flaky))
    s, results = sweep(gw, orders, concurrency=16)
    assert sorted(r.order_id for r in results) == sorted(orders)  # every order exactly once
    assert {r.order_id for r in results if r.outcome == "lost"} == lost == {r.order_id for r in s.lost}
    assert all(r.cause == "payment.callback-missing" and r.amount == "6.00" and r.paid_at for r in s.lost)
    assert {r.order_id for r in results if r.outcome == "error"} == errors
    assert all(r.error == "http 500" and r.attempts == 5 for r in results if r.outcome == "error")
    assert {r.order_id: r.attempts for r in results if r.order_id in flaky} == {o: 3 for o in flaky}
    assert s.counts == {"lost": 7, "settled": 0, "not-paid": len(unpaid), "not-found": 300 - 7 - 5 - len(unpaid),
                        "error": 5, "unchecked": 0}
    assert s.total == 300 and s.checked == 295 and exit_for(s.status) == 1


def test_retry_after_pauses_every_worker(gateway) -> None:
    gw = gateway(unpaid=set(ids(120)), burst=25, retry_after=0.6)
    s, results = sweep(gw, ids(120), concurrency=8)
    assert len(results) == 120 and s.counts["not-paid"] == 120 and exit_for(s.status) == 0
    assert s.rate_limited >= 1 and s.pauses >= 1 and gw.limited_at
    for t0 in gw.limited_at:  # while blocked, only requests already in flight may arrive: not a retry storm
        during = [t for t, _, status in gw.log if t0 < t < t0 + 0.6 and status == 429]
        assert len(during) <= 8
        after = [t for t, _, status in gw.log if t > t0 and status == 200]
        assert not after or min(after) >= t0 + 0.6 - 0.01


def test_deadline_marks_unchecked_not_missing(gateway) -> None:
    orders = ids(60)
    gw = gateway(unpaid=set(orders[3:]), hang=set(orders[:3]))
    t0 = time.monotonic()
    s, results = sweep(gw, orders, concurrency=3, timeout=1.5)
    assert time.monotonic() - t0 < 3.0
    assert sorted(r.order_id for r in results) == orders
    unchecked = {r.order_id for r in results if r.outcome == "unchecked"}
    assert set(orders[:3]) <= unchecked  # the three hung queries occupy every worker
    assert s.deadline_hit and s.counts["unchecked"] == 60 and s.counts["lost"] == 0 and exit_for(s.status) == 3


def test_refused_key_stops_asking(gateway) -> None:
    gw = gateway(unpaid=set(ids(200)))
    s, results = sweep(gw, ids(200), concurrency=4, key="wrong")
    assert len(results) == 200 and s.counts["error"] == 200 and exit_for(s.status) == 3
    assert s.fatal_error and s.fatal_error.startswith("auth")
    assert s.queries <= 8  # not 200 refused queries against the merchant account


def test_rate_limit_and_concurrency_bound() -> None:
    inflight = peak = 0

    async def query(oid: str) -> ProviderRecord:
        nonlocal inflight, peak
        inflight += 1
        peak = max(peak, inflight)
        await asyncio.sleep(0.01)
        inflight -= 1
        if oid.endswith("13"):
            raise RuntimeError("adapter bug")
        return ProviderRecord(oid, True, False, "0", None, None, None)

    results: list[OrderResult] = []
    t0 = time.monotonic()
    asyncio.run(run_sweep(ids(60), query, concurrency=5, rate=40, on_result=results.append, retries=0))
    elapsed = time.monotonic() - t0
    assert peak <= 5 and len(results) == 60
    assert elapsed >= (60 - 2) / 40 * 0.9  # 40/s with a burst of 2
    crashed = [r for r in results if r.outcome == "error"]
    assert [r.order_id for r in crashed] == ["KM20261125000013"] and "adapter bug" in crashed[0].error


def test_async_input_and_rate_limited_record() -> None:
    calls: dict[str, int] = {}

    async def query(oid: str) -> ProviderRecord:
        calls[oid] = calls.get(oid, 0) + 1
        if calls[oid] == 1 and oid.endswith("1"):
            return error_record(oid, "rate-limited", 0.2)
        return ProviderRecord(oid, True, True, "1", None, "T" + oid, 1.0)

    async def source():
        for o in ids(5):
            await asyncio.sleep(0)
            yield o

    s = asyncio.run(run_sweep(source(), query, concurrency=2))
    assert s.counts["lost"] == 5 and s.retries == 1 and s.rate_limited == 1 and s.elapsed >= 0.2


def test_token_bucket_and_backoff() -> None:
    async def take(n: int, b: TokenBucket) -> float:
        t0 = time.monotonic()
        for _ in range(n):
            await b.acquire()
        return time.monotonic() - t0

    assert asyncio.run(take(21, TokenBucket(100, burst=1))) >= 0.18
    assert asyncio.run(take(1000, TokenBucket(0))) < 0.5
    b = TokenBucket(0)
    b.pause(0.3)
    assert asyncio.run(take(1, b)) >= 0.28
    rng = random.Random(1)
    assert 0.1 <= backoff(0, 0.2, 10, rng=rng) <= 0.2
    assert 5 <= backoff(10, 0.2, 10, rng=rng) <= 10
    assert backoff(0, 0.2, 10, retry_after=3, rng=rng) >= 3
    assert retryable("http 503") and retryable("network: ConnectError") and retryable("rate-limited")
    assert not retryable("http 404") and not retryable("auth: bad key") and not retryable(None)


def test_orders_file_counts(tmp_path: Path) -> None:
    p = tmp_path / "orders.txt"
    p.write_bytes("\ufeffKM1\r\n\r\n# exported 2026-11-25\nKM2, 6.00\nKM1\n  KM3  \n<script>\n".encode())
    stats = InputStats()
    assert list(read_orders_file(str(p), stats)) == ["KM1", "KM2", "KM3"]
    assert stats.as_dict() == {"lines": 7, "orders": 3, "blank": 1, "comments": 1, "duplicates": 1, "invalid": 1}


def test_since_and_payloads() -> None:
    assert parse_since("30m") == 1800 and parse_since("2h") == 7200 and parse_since("1d") == 86400
    assert parse_since("45") == 2700 and parse_since("10s") == 10
    for bad in ("", "2x", "-1h", "0m", "999d"):
        with pytest.raises(ValueError):
            parse_since(bad)
    assert ids_from_payload({"code": 0, "data": {"list": [{"order_sn": "A"}, {"id": 7}, "C"]}}) == ["A", "7", "C"]
    with pytest.raises(ValueError):
        ids_from_payload({"code": 0, "msg": "x"})
    assert pending_url("/p?since={since}&page={page}", 3600, 2, now=7200.0) == "/p?since=3600&page=2"


def test_provider_down_for_everyone_stops_asking(gateway) -> None:
    orders = ids(300)
    gw = gateway(errors=set(orders))
    s, results = sweep(gw, orders, concurrency=4, retries=1)
    assert len(results) == 300 and s.counts["error"] == 300 and exit_for(s.status) == 3
    assert s.fatal_error and "stopped asking" in s.fatal_error and "http 500" in s.fatal_error
    assert s.queries < 60  # ~20 orders × 2 attempts, not 600


def test_some_errors_after_answers_do_not_trip_the_breaker(gateway) -> None:
    orders = ids(100)
    gw = gateway(unpaid={orders[0]}, errors=set(orders[1:]))
    s, _ = sweep(gw, orders, concurrency=1, retries=0)
    assert s.fatal_error is None and s.counts["error"] == 99 and s.queries == 100


def test_ten_thousand_orders_in_little_memory(tmp_path: Path) -> None:
    """Inputs streamed from a file, results streamed out: memory does not grow with the order count."""
    import tracemalloc

    f = tmp_path / "orders.txt"
    f.write_text("\n".join(ids(10_000)) + "\n", encoding="utf-8")
    big = {"body": "x" * 2000}  # a provider answer with a sizeable raw body: must not be kept

    async def query(oid: str) -> ProviderRecord:
        await asyncio.sleep(0)
        return ProviderRecord(oid, True, oid.endswith("77"), "1", None, "T", 1.0, dict(big))

    seen = 0

    def count(r: OrderResult) -> None:
        nonlocal seen
        seen += 1

    tracemalloc.start()
    s = asyncio.run(run_sweep(read_orders_file(str(f), InputStats()), query, concurrency=64, on_result=count))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert seen == s.total == 10_000 and s.counts["lost"] == 100 == len(s.lost)
    assert peak < 8_000_000, peak  # the seen-set of 10,000 ids and 100 lost results; no raw bodies


def test_pending_orders_pages_until_empty() -> None:
    from kmdiag.demo.http import App, Request, Response, Server
    from kmdiag.payment.sweep_inputs import pending_orders

    app = App()
    rows = [{"order_sn": f"KM{i}"} for i in range(1, 26)] + [{"order_sn": "KM3"}]  # a duplicate across pages
    seen_headers: list[str] = []

    @app.route("GET", "/admin/pending")
    def page(req: Request) -> Response:
        seen_headers.append(req.headers.get("x-admin-token", ""))
        p = int(req.query["page"])
        return Response.json({"code": 0, "data": {"list": rows[(p - 1) * 10: p * 10]}})

    srv = Server(app)
    try:
        async def main() -> list[str]:
            async with httpx.AsyncClient(trust_env=False) as client:
                return await pending_orders(
                    client, lambda p: (f"http://127.0.0.1:{srv.port}/admin/pending?page={p}", True),
                    {"X-Admin-Token": "t0ken"}, stats)

        stats = InputStats()
        got = asyncio.run(main())
    finally:
        srv.close()
    assert got == [f"KM{i}" for i in range(1, 26)] and stats.duplicates == 1
    assert seen_headers == ["t0ken"] * 4  # pages 1-3 and the empty page 4
