"""The sweep engine: ask the provider about every pending order, find the ones it says are paid (掉单).

Why an engine of its own: a support agent runs this over thousands of orders after an incident, so
it must be fast (bounded concurrency over one connection pool), polite (token bucket, backoff,
Retry-After honoured for everyone), bounded in time (an overall deadline: what is not asked by then
is reported *unchecked*, never silently dropped nor called lost) and bounded in memory (inputs are
pulled lazily, results are streamed to ``on_result`` and only lost orders are kept).

Invariant the tests hold it to: every input order yields exactly one :class:`OrderResult`, whatever
the provider does — answers, errors, rate-limits, hangs, or the deadline comes first.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterable, Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from kmdiag.i18n import T
from kmdiag.payment.ratelimit import TokenBucket, backoff, fatal, retryable

OUTCOMES = ("lost", "settled", "not-paid", "not-found", "error", "unchecked")
LOST_CAUSE = "payment.callback-missing"  # the sweep's first guess; the per-order diagnosis refines it


class Record(Protocol):
    """What the sweep reads of ``kmdiag.payment.providers.base.ProviderRecord``."""

    order_id: str
    found: bool
    paid: bool
    status: str
    amount: Any
    trade_no: str | None
    paid_at: float | None
    error: str | None
    retry_after: float | None


QueryFn = Callable[[str], Awaitable[Record]]


@dataclass
class OrderResult:
    """One input order's outcome. Small on purpose: no raw provider body is kept."""

    order_id: str
    outcome: str  # one of OUTCOMES
    status: str | None = None
    amount: str | None = None
    trade_no: str | None = None
    paid_at: float | None = None
    error: str | None = None
    attempts: int = 0
    cause: str | None = None
    evidence: T | None = None  # why this cause / outcome (a log line, the shop's own status), both languages

    def as_dict(self, lang: str = "en") -> dict[str, Any]:
        return {"order_id": self.order_id, "outcome": self.outcome, "cause": self.cause,
                "evidence": self.evidence.get(lang) if self.evidence is not None else None,
                "status": self.status,
                "amount": self.amount, "trade_no": self.trade_no, "paid_at": self.paid_at, "error": self.error,
                "attempts": self.attempts}


@dataclass
class SweepSummary:
    """Counts and the lost orders. Filled while the sweep runs, so an interrupted run still has it."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))
    lost: list[OrderResult] = field(default_factory=list)
    total: int = 0
    queries: int = 0
    retries: int = 0
    rate_limited: int = 0
    pauses: int = 0
    fatal_error: str | None = None
    started: float = field(default_factory=time.monotonic)
    elapsed: float = 0.0
    deadline_hit: bool = False

    @property
    def checked(self) -> int:
        """Orders the provider gave a definite answer about."""
        return sum(self.counts[k] for k in ("lost", "settled", "not-paid", "not-found"))

    @property
    def nothing_to_sweep(self) -> bool:
        """The input held no order at all (an empty pending list): a clear answer, not a failure to ask."""
        return self.total == 0 and not self.deadline_hit and self.fatal_error is None

    @property
    def status(self) -> str:
        """``problem`` when lost orders were found; ``inconclusive`` when some orders could not be asked
        (or none was, with orders to ask) and none is lost; else ``ok``. The CLI maps it to an exit code."""
        if self.counts["lost"]:
            return "problem"
        if self.nothing_to_sweep:
            return "ok"
        if self.counts["error"] or self.counts["unchecked"] or self.checked == 0:
            return "inconclusive"  # "ok" means orders were checked and none is lost: never "ok" having checked nothing
        return "ok"

    def as_dict(self) -> dict[str, Any]:
        return {"total": self.total, "checked": self.checked, "lost": self.counts["lost"],
                "settled": self.counts["settled"],
                "not_paid": self.counts["not-paid"], "not_found": self.counts["not-found"],
                "provider_errors": self.counts["error"], "unchecked": self.counts["unchecked"],
                "queries": self.queries, "retries": self.retries, "rate_limited": self.rate_limited,
                "fatal_error": self.fatal_error, "deadline_hit": self.deadline_hit,
                "elapsed_s": round(self.elapsed, 3),
                "orders_per_s": round(self.total / self.elapsed, 1) if self.elapsed > 0 else None}


def _money(v: Any) -> str | None:
    if v is None:
        return None
    try:
        return f"{v:.2f}"
    except (TypeError, ValueError):
        return str(v)


def classify(order_id: str, rec: Record, attempts: int) -> OrderResult:
    """A final provider answer → outcome. Input orders are unpaid at the platform, so paid = lost."""
    base = {"status": rec.status, "amount": _money(rec.amount), "trade_no": rec.trade_no, "paid_at": rec.paid_at,
            "attempts": attempts}
    if rec.error:
        return OrderResult(order_id, "error", error=rec.error, **base)
    if rec.paid:
        return OrderResult(order_id, "lost", cause=LOST_CAUSE, **base)
    return OrderResult(order_id, "not-paid" if rec.found else "not-found", **base)


class _Input:
    """One shared cursor over a sync or async iterable of order ids, for many workers."""

    def __init__(self, orders: Iterable[str] | AsyncIterable[str]) -> None:
        self._sync = iter(orders) if not hasattr(orders, "__aiter__") else None
        self._async = orders.__aiter__() if hasattr(orders, "__aiter__") else None  # type: ignore[union-attr]
        self._lock = asyncio.Lock()

    async def next(self) -> str | None:
        if self._sync is not None:
            return next(self._sync, None)
        async with self._lock:
            try:
                return await self._async.__anext__()  # type: ignore[union-attr]
            except StopAsyncIteration:
                return None


async def run_sweep(orders: Iterable[str] | AsyncIterable[str], query: QueryFn, *, concurrency: int = 32,
                    rate: float = 0.0, timeout: float | None = None, retries: int = 4, backoff_base: float = 0.2,
                    backoff_cap: float = 10.0, on_result: Callable[[OrderResult], None] | None = None,
                    summary: SweepSummary | None = None, bucket: TokenBucket | None = None,
                    confirm: Callable[[OrderResult], Awaitable[OrderResult]] | None = None) -> SweepSummary:
    """Check every order in ``orders`` (already de-duplicated) with ``query``; stream each result.

    ``timeout`` is the whole sweep's budget: queries still in flight then are cancelled and, with the
    orders not yet asked, reported ``unchecked``. A fatal provider error (refused credentials, or
    ``max(20, concurrency)`` orders in a row failing before any answer) stops the asking: the
    remaining orders are reported ``error`` with that reason, without a query each.
    ``confirm`` re-reads the shop's order of each provider-paid one (``settled`` when the shop has it).
    """
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    s = summary if summary is not None else SweepSummary()
    clock = time.monotonic
    s.started = clock()
    deadline = s.started + timeout if timeout else None
    bucket = bucket or TokenBucket(rate)
    breaker = max(20, concurrency)
    source = _Input(orders)

    failing = 0  # final errors in a row before any answer: a provider that is down for everyone

    def emit(r: OrderResult) -> None:
        nonlocal failing
        s.counts[r.outcome] += 1
        s.total += 1
        if r.outcome == "lost":
            s.lost.append(r)
        if r.outcome == "error" and r.attempts and s.checked == 0:
            failing += 1
            if failing >= breaker and not s.fatal_error:
                s.fatal_error = f"no answer for the first {failing} orders, stopped asking (last: {r.error})"
        if on_result is not None:
            on_result(r)

    async def ask(oid: str) -> OrderResult:
        attempt = 0
        while True:
            if s.fatal_error:
                return OrderResult(oid, "error", error=s.fatal_error, attempts=attempt)
            await bucket.acquire()
            attempt += 1
            s.queries += 1
            try:
                rec = await query(oid)
            except asyncio.CancelledError:
                raise
            except Exception as e:  # a provider adapter bug must not lose the order
                from kmdiag.payment.providers.base import error_record

                rec = error_record(oid, f"crash: {type(e).__name__}: {e}"[:300])
            if not rec.error:
                result = classify(oid, rec, attempt)
                if confirm is not None and result.outcome == "lost":
                    result = await confirm(result)
                return result
            if rec.error == "rate-limited":
                s.rate_limited += 1
                bucket.pause(rec.retry_after if rec.retry_after is not None else 1.0)
            if fatal(rec.error):
                s.fatal_error = s.fatal_error or rec.error
            if attempt > retries or not retryable(rec.error):
                return classify(oid, rec, attempt)
            delay = backoff(attempt - 1, backoff_base, backoff_cap, rec.retry_after)
            if deadline is not None and clock() + delay >= deadline:
                return OrderResult(oid, "unchecked", error=f"deadline before retry ({rec.error})", attempts=attempt)
            s.retries += 1
            await asyncio.sleep(delay)

    async def worker() -> None:
        current: str | None = None
        try:
            while True:
                current = await source.next()
                if current is None:
                    return
                emit(await ask(current))
                current = None
        except asyncio.CancelledError:
            if current is not None:
                emit(OrderResult(current, "unchecked", error="deadline"))
            raise

    tasks = [asyncio.create_task(worker()) for _ in range(concurrency)]
    try:
        remaining = None if deadline is None else max(0.0, deadline - clock())
        _done, pending = await asyncio.wait(tasks, timeout=remaining)
        if pending:
            s.deadline_hit = True
        for t in pending:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for t in tasks:  # a worker that died of a bug must not hide it
            if not t.cancelled() and t.exception() is not None:
                raise t.exception()  # type: ignore[misc]
        while (oid := await source.next()) is not None:  # never asked: deadline or fatal error
            if s.fatal_error:
                emit(OrderResult(oid, "error", error=s.fatal_error))
            else:
                emit(OrderResult(oid, "unchecked", error="deadline"))
    finally:
        for t in tasks:
            t.cancel()
        s.pauses = bucket.pauses
        s.elapsed = clock() - s.started
    return s
