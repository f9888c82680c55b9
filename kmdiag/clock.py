"""When this command started: ``--timeout`` is one budget from the process's start, not from the run's.

Why: importing the CLI, loading the profile and starting the demo all cost time a user waits for;
a budget that started later would let the process outlive ``--timeout``. ``python -m kmdiag`` marks
the moment its entry module is imported; an in-process call (tests, ``kmdiag.cli.app.run``) marks
the call.
"""

from __future__ import annotations

import time

_started: float | None = None


def mark(at: float | None = None) -> None:
    global _started
    _started = at if at is not None else time.monotonic()


def started() -> float:
    """``time.monotonic()`` of the command's start (now, when nothing marked it)."""
    return _started if _started is not None else time.monotonic()
