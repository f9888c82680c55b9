"""SIGTERM and SIGHUP end a run like Ctrl-C does: clean-up runs, a partial report is written.

Why: Python's default for SIGTERM is to die on the spot — no ``finally``, so no report, the demo's
servers and its CA private key left behind. Here they raise :class:`Terminated`, a
``KeyboardInterrupt`` (every path that handles Ctrl-C handles it), carrying the signal so the exit
code is the convention's 128 + signal number: 130 for SIGINT, 143 for SIGTERM, 129 for SIGHUP.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from typing import Any

HANDLED = tuple(s for s in (getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None)) if s is not None)
CAUGHT = (signal.SIGINT, *HANDLED)
# The signal that stopped this command (typer turns a KeyboardInterrupt into a bare exit code, so the
# CLI looks here), and whether some layer already told the user (a partial report's own message).
state: dict[str, int | bool | None] = {"caught": None, "reported": False}


def reset() -> None:
    state.update(caught=None, reported=False)


class Terminated(KeyboardInterrupt):
    """The process was asked to stop by a signal other than SIGINT."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def exit_code(exc: BaseException | None = None, signum: int | None = None) -> int:
    """128 + the signal: 130 for Ctrl-C (and a plain KeyboardInterrupt)."""
    if signum is None:
        signum = getattr(exc, "signum", int(signal.SIGINT))
    return 128 + int(signum)


def name(signum: int | None) -> str:
    try:
        return signal.Signals(signum or signal.SIGINT).name
    except ValueError:
        return str(signum)


def _raise(signum: int, _frame: Any) -> None:
    state["caught"] = signum
    raise Terminated(signum)


def note(signum: int | None) -> None:
    """A layer that handles the signal itself (the runner's loop handler) records it here."""
    state["caught"] = signum or int(signal.SIGINT)


def install() -> None:
    """For the whole process (``python -m kmdiag``): from the first moment, SIGTERM/SIGHUP unwind."""
    for s in CAUGHT:
        with contextlib.suppress(ValueError, OSError):
            signal.signal(s, _raise)


@contextlib.contextmanager
def handled() -> Iterator[None]:
    """While the block runs (main thread only), SIGTERM/SIGHUP raise :class:`Terminated`."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = {}
    for s in CAUGHT:
        try:
            old[s] = signal.signal(s, _raise)
        except (ValueError, OSError):
            pass
    try:
        yield
    finally:
        for s, h in old.items():
            with contextlib.suppress(ValueError, OSError):
                signal.signal(s, h)
