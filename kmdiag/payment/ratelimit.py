"""Politeness toward a payment provider: a token bucket, backoff with jitter, and which errors to retry.

Why: a sweep asks one provider about thousands of orders. Providers throttle merchants (epay clones
answer 429 or 503 with Retry-After, or simply start failing), and a doctor that hammers the gateway
gets the shop's merchant account blocked. So every attempt — first tries and retries alike — takes a
token, a Retry-After pauses *all* workers (the limit is the merchant's, not one connection's), and
retries back off exponentially with jitter so that workers do not retry in lock-step.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable


class TokenBucket:
    """At most ``rate`` acquisitions a second (``rate <= 0``: unlimited), bursts of ``burst``.

    Acquisitions reserve a token and sleep off the deficit, which spaces callers evenly instead of
    waking them all at once. ``pause(s)`` holds everyone back for ``s`` seconds (a 429's Retry-After).
    """

    def __init__(self, rate: float, burst: float | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = float(rate)
        self.capacity = float(burst) if burst is not None else max(1.0, self.rate / 20)
        self.tokens = self.capacity
        self.clock = clock
        self.last = clock()
        self.paused_until = 0.0
        self.pauses = 0

    def pause(self, seconds: float) -> None:
        """Stop handing out tokens for ``seconds`` and forget any saved-up burst."""
        until = self.clock() + max(0.0, seconds)
        if until > self.paused_until:
            self.paused_until = until
            self.pauses += 1
        self.tokens = min(self.tokens, 0.0)
        self.last = max(self.last, until)

    async def acquire(self) -> None:
        while True:
            now = self.clock()
            if now < self.paused_until:
                await asyncio.sleep(self.paused_until - now)
                continue
            if self.rate <= 0:
                return
            if now > self.last:
                self.tokens = min(self.capacity, self.tokens + (now - self.last) * self.rate)
                self.last = now
            self.tokens -= 1.0
            if self.tokens < 0:
                await asyncio.sleep(-self.tokens / self.rate)
            if self.clock() >= self.paused_until:
                return


def retryable(error: str | None) -> bool:
    """Transient failures are worth another try; a refused key or a malformed answer is not."""
    if not error:
        return False
    if error == "rate-limited" or error.startswith(("network", "timeout", "crash")):
        return True
    if error.startswith("http "):
        code = error[5:8]
        return code.isdigit() and (code.startswith("5") or code in ("408", "425", "429"))
    return False


def fatal(error: str | None) -> bool:
    """An error that will be the same for every order (wrong merchant key): stop asking."""
    return bool(error) and error.startswith("auth")  # type: ignore[union-attr]


def backoff(attempt: int, base: float, cap: float, retry_after: float | None = None,
            rng: random.Random | None = None) -> float:
    """Seconds to wait before attempt ``attempt + 1``: "equal jitter" exponential, never below Retry-After."""
    r = rng or random
    exp = min(cap, base * (2 ** attempt))
    delay = exp / 2 + r.uniform(0, exp / 2)
    if retry_after is not None:
        delay = max(delay, retry_after + r.uniform(0, min(0.25, retry_after * 0.1 + 0.01)))
    return delay
