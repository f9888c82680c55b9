"""The pre-launch's cheap half: whether it is on, and a driver started from the command line alone.

Why a module of its own: ``kmdiag`` looks at its command line before typer parses it, for every
command (``--help`` too), and that look must not import asyncio or Playwright
(:mod:`kmdiag.browser.prelaunch`, imported here only when a driver is really started).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kmdiag.browser.prelaunch import Prelaunch


def enabled(environ: Mapping[str, str]) -> bool:
    return environ.get("KMDIAG_PRELAUNCH", "1") != "0"


MIN_TIMEOUT_S = 5.0  # below this --timeout the browser has no time to load a page anyway (see cli/run.py)

_EARLY: list[Prelaunch] = []


def _looks_like_order_visit(argv: list[str]) -> bool:
    """A cheap guess from the command line alone: ``order`` with a target, the browser layer in, no
    ``--help``, a budget worth a browser. A wrong guess only costs a driver started and stopped
    (``run_diagnosis`` decides again from the parsed options and closes one it does not want)."""
    words = [a for a in argv if not a.startswith("-")]
    if not words or words[0] != "order" or any(a in ("-h", "--help") for a in argv):
        return False

    def value(name: str) -> str | None:
        for i, a in enumerate(argv):
            if a == name and i + 1 < len(argv):
                return argv[i + 1]
            if a.startswith(name + "="):
                return a.split("=", 1)[1]
        return None

    only, skip, timeout = value("--only"), value("--skip"), value("--timeout")
    if (only is not None and "browser" not in only.split(",")) or (skip is not None and "browser" in skip.split(",")):
        return False
    try:
        if timeout is not None and float(timeout) < MIN_TIMEOUT_S:
            return False
    except ValueError:
        return False
    return "--demo" in argv or "--profile" in argv or "-p" in argv or len(words) > 1


def start_early(argv: list[str], environ: Mapping[str, str]) -> None:
    """Spawn the driver before the command line is even parsed, when it looks like an order visit.

    Parsing (typer, and the pydantic it imports) takes about 0.1–0.15 s; Node boots meanwhile on the
    other core instead of after it."""
    if _EARLY or not enabled(environ) or not _looks_like_order_visit(argv):
        return
    from kmdiag.browser.prelaunch import Prelaunch

    pre = Prelaunch()
    try:
        pre.start_driver()
    except Exception:  # no Playwright here: the browser probe says so itself
        pre.close()
        return
    _EARLY.append(pre)


def take_early() -> Prelaunch | None:
    """The driver :func:`start_early` spawned, handed to its run (once)."""
    return _EARLY.pop() if _EARLY else None


def discard_early() -> None:
    """Stop a driver nobody took (the command line was not an order visit after all). Idempotent."""
    while _EARLY:
        _EARLY.pop().close()
