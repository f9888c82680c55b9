"""Several small HTTP connection pools instead of one big one, each sweep worker pinned to one.

Why: httpcore's ``AsyncConnectionPool`` (1.0.x) re-scans all of its connections on every request
it queues or releases (expiry polls, idle counts — quadratic in the pool size), so one pool of 64
keep-alive connections spends milliseconds of CPU per request and a 64-way sweep runs *slower*
than an 8-way one (measured: docs/benchmarks.md). Pools of a few connections keep that scan short;
pinning each worker task to one pool keeps its connection warm. See encode/httpcore#924.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

PER_POOL = 8


class ClientShards:
    """``async with ClientShards(factory, concurrency) as shards: shards.client()`` → this task's client.

    ``factory(max_connections)`` builds one ``httpx.AsyncClient`` (e.g. ``kmdiag.payment.net.async_client``).
    """

    def __init__(self, factory: Callable[[int], Any], concurrency: int, per_pool: int = PER_POOL) -> None:
        self.per_pool = max(1, per_pool)
        n = max(1, -(-concurrency // self.per_pool))
        self.clients = [factory(self.per_pool) for _ in range(n)]
        self._assigned: dict[int, Any] = {}

    def client(self) -> Any:
        """The client of the calling task (assigned round-robin on its first request)."""
        task = asyncio.current_task()
        key = id(task)
        c = self._assigned.get(key)
        if c is None:
            c = self._assigned[key] = self.clients[len(self._assigned) % len(self.clients)]
        return c

    async def __aenter__(self) -> ClientShards:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await asyncio.gather(*(c.aclose() for c in self.clients), return_exceptions=True)
