"""A private (0700) temp dir for the copy of the shopper's profile, removed however the run ends.

The copy holds the shop's cookies: it must not outlive the run. ``remove()`` is called from the
probe's ``finally`` (normal end, errors, Ctrl-C: the task is cancelled and its ``finally`` runs);
an ``atexit`` hook and a SIGTERM handler (chained to the previous one) remove whatever is still
there when the process is stopped some other way.
"""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import tempfile
import threading
from pathlib import Path
from typing import Any

_live: set[str] = set()
_lock = threading.Lock()
_installed = False
_previous: Any = None


def _cleanup() -> None:
    with _lock:
        paths = list(_live)
        _live.clear()
    for p in paths:
        shutil.rmtree(p, ignore_errors=True)
    left = [p for p in paths if os.path.exists(p)]
    if left:  # something still writes into it (a browser on its way out): a detached remover finishes the job
        _spawn_remover(left)


# The browser still running on the copy may write into it while it is being removed (it dies only once
# kmdiag's Playwright driver sees kmdiag gone), so a detached remover keeps at it for a few seconds.
_REMOVER = ("import shutil, sys, time, os\n"
            "end = time.monotonic() + 8\n"
            "while time.monotonic() < end:\n"
            "    for p in sys.argv[1:]: shutil.rmtree(p, ignore_errors=True)\n"
            "    if not any(os.path.exists(p) for p in sys.argv[1:]): time.sleep(0.5)\n"
            "    time.sleep(0.1)\n")


def _spawn_remover(paths: list[str]) -> None:
    try:
        import subprocess
        import sys

        subprocess.Popen([sys.executable, "-c", _REMOVER, *paths], start_new_session=True,
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except OSError:
        pass


def _on_term(signum: int, frame: Any) -> None:
    with _lock:
        paths = list(_live)
    _cleanup()
    if paths and not any(os.path.exists(p) for p in paths):
        _spawn_remover(paths)  # the browser may still recreate files after this process is gone
    prev = _previous
    if callable(prev):
        prev(signum, frame)
        return
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


def _install() -> None:
    global _installed, _previous
    if _installed:
        return
    _installed = True
    atexit.register(_cleanup)
    if threading.current_thread() is threading.main_thread():
        try:
            _previous = signal.getsignal(signal.SIGTERM)
            signal.signal(signal.SIGTERM, _on_term)
        except (ValueError, OSError):  # not allowed here (an embedded interpreter): atexit still covers it
            pass


def private_dir(prefix: str = "kmdiag-mybrowser-") -> Path:
    """A new directory only this user can enter, registered for removal."""
    _install()
    path = tempfile.mkdtemp(prefix=prefix)  # mkdtemp creates it 0700
    os.chmod(path, 0o700)
    with _lock:
        _live.add(path)
    return Path(path)


def remove(path: Path | str) -> None:
    """Remove now; what is still there (a copy thread or a browser still writing, on Ctrl-C) stays
    registered, so the exit hook removes it again once those are done."""
    shutil.rmtree(path, ignore_errors=True)
    if not os.path.exists(path):
        with _lock:
            _live.discard(str(path))


def live() -> list[str]:
    """The copies not yet removed (for tests)."""
    with _lock:
        return sorted(_live)
