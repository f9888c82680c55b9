"""One sweep of one shop, as a coroutine: the part ``kmdiag payment --sweep`` and ``kmdiag serve`` share.

Why apart from the command (``kmdiag.cli.sweep``): the exporter runs the same sweep (pending list →
provider queries → the shop re-read → log search) many times in a long-running process, without a
terminal or a printer. Both callers get exactly the same engine, clients, caps and budget rules, and
the same answer: an outcome word (``ok`` / ``problem`` / ``inconclusive``), which each maps itself.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from kmdiag.payment.sweep import OrderResult, SweepSummary, run_sweep
from kmdiag.payment.sweep_inputs import InputStats

# Answers are read whole: caps keep a misbehaving server from filling memory (64 queries in flight).
PROVIDER_MAX_BODY = 256 * 1024  # an order query answer is under 1 KB
SHOP_MAX_BODY = 64 * 1024 * 1024  # the pending-orders list: 10,000 orders ≈ 0.8 MB
READ_AHEAD_S = 0.05  # the orders file's reader ends this much before the sweep's deadline
MAX_REFINE = 500  # lost orders whose callback logs are searched (one pass over each file) for a sharper cause


class PendingListError(Exception):
    """The platform's pending-orders list could not be read (no answer in time, not a list)."""


async def sweep_shop(profile: Any, provider: Any, secrets: dict[str, str], *, deadline: float,
                     since: float, concurrency: int, rate: float, summary: SweepSummary, stats: InputStats,
                     orders_file: str | None = None, on_result: Callable[[OrderResult], None] | None = None,
                     on_orders: Callable[[Any], None] | None = None) -> str:
    """Sweep one shop until ``deadline`` (monotonic); fills ``summary``; returns the sweep's outcome word.

    ``on_orders(orders)`` sees the input before the engine starts (the CLI sizes its progress bar).
    Returns the outcome word of :func:`sweep_status`.
    Raises :class:`PendingListError` when the pending list is unreadable.
    """
    from kmdiag.payment.net import async_client
    from kmdiag.payment.sweep_clients import ClientShards
    from kmdiag.payment.sweep_platform import make_confirm

    per_request = max(0.001, min(10.0, deadline - time.monotonic()))
    async with async_client(profile, timeout=per_request, max_connections=4, max_body=SHOP_MAX_BODY) as client, \
            ClientShards(lambda n: async_client(profile, timeout=per_request, max_connections=n,
                                                max_body=PROVIDER_MAX_BODY), concurrency) as shards:
        if orders_file:  # read off the loop, under the deadline, refused when unreadable (kmdiag.payment.orders_input)
            from kmdiag.payment.orders_input import OrdersInput

            # Reading stops a moment before the asking does: a stalled input (a slow stdin) is then
            # reported ``unread`` by the reader itself, never lost in a race with the engine's deadline.
            orders: Any = await OrdersInput.open(orders_file, stats, deadline - READ_AHEAD_S)
        else:
            try:
                orders = await asyncio.wait_for(fetch_pending(client, profile, secrets, since, stats),
                                                deadline - time.monotonic())
            except (ValueError, TimeoutError) as e:
                raise PendingListError(str(e) or "the pending-orders endpoint did not answer in time") from None
        if on_orders is not None:
            on_orders(orders)

        async def query(oid: str) -> Any:
            return await provider.query(shards.client(), oid)

        await run_sweep(orders, query, concurrency=concurrency, rate=rate,
                        timeout=max(0.001, deadline - time.monotonic()),
                        on_result=on_result, summary=summary, confirm=make_confirm(client, profile, secrets))
        sources = profile.payment.callback_log.all_sources()  # the files shorthand and every mapped source
        if summary.lost and sources:
            from kmdiag.payment.sweep_causes import refine_sources

            await asyncio.to_thread(refine_sources, summary.lost[:MAX_REFINE], sources, deadline)
        return sweep_status(summary, stats)


def sweep_status(summary: SweepSummary, stats: InputStats) -> str:
    """The sweep's outcome word (``ok`` | ``problem`` | ``inconclusive``); only ``kmdiag.cli`` turns it into an exit code.

    An input with no order is "nothing to sweep" (``ok``) — unless it had lines that were not order
    numbers: then the agent's file is wrong, and that is not a clean bill.
    """
    if summary.nothing_to_sweep and stats.invalid:
        return "inconclusive"
    return summary.status


async def fetch_pending(client: Any, profile: Any, secrets: dict[str, str], since: float, stats: InputStats) -> list[str]:
    """The platform's unpaid/pending orders of the last ``since`` seconds (admin header when configured)."""
    from kmdiag.payment.sweep_inputs import pending_orders, pending_url

    template = profile.payment.pending_orders_endpoint
    headers: dict[str, str] = {}
    admin = profile.payment.admin
    token = secrets.get(admin.token_env or "")
    if token and admin.send_as.header:
        headers[admin.send_as.header] = admin.send_as.template.replace("{token}", token)
    paged = "{page}" in template

    def url_for(page: int) -> tuple[str, bool]:
        return profile.url(pending_url(template, since, page)), paged

    return await pending_orders(client, url_for, headers, stats)
