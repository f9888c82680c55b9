"""When this command started: ``--timeout`` is one budget from the CLI's start, not from the probes'.

Why: loading the profile, reading inputs and starting the demo all cost time a user waits for; a
budget that started later would let the process outlive ``--timeout``. ``kmdiag.cli.app.run`` marks
the moment it is called (after the interpreter and the CLI's own imports: that part is the
documented grace of docs/reliability.md).
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
