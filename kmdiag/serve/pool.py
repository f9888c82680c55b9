"""A bounded pool of browser slots: at most N order probes (each one Chromium) at a time.

Why a pool and not "one browser per scrape": Prometheus scrapes on its own clock, several targets
and vantage points at once; every order probe starts a real Chromium (~150-250 MB). Scrapes beyond
N wait for a slot within their own deadline; one that would not get a slot in time answers
``kmdiag_probe_success 0`` with the reason, so Chromium processes never pile up.
"""

from __future__ import annotations

import threading
import time


class BrowserPool:
    def __init__(self, size: int) -> None:
        self._cond = threading.Condition()
        self.size = size
        self.in_use = 0
        self.waiting = 0
        self.peak = 0

    def resize(self, size: int) -> None:
        """A reload may change N; running probes keep their slots, new ones see the new bound."""
        with self._cond:
            self.size = size
            self._cond.notify_all()

    def acquire(self, deadline: float) -> bool:
        """Wait for a slot until ``deadline`` (monotonic); False if none came free in time."""
        with self._cond:
            self.waiting += 1
            try:
                while self.in_use >= self.size:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        return False
                    self._cond.wait(left)
                self.in_use += 1
                self.peak = max(self.peak, self.in_use)
                return True
            finally:
                self.waiting -= 1

    def release(self) -> None:
        with self._cond:
            self.in_use -= 1
            self._cond.notify()
