"""One private temporary directory per command, removed at its end — also on Ctrl-C and SIGTERM.

Why: screenshots taken without ``--evidence``, the demo's certificates (its CA *private key*), raw
HAR/trace files and the zip staging area used to be separate ``mkdtemp`` calls, and whatever a
killed run had made stayed in /tmp (hundreds of ``kmdiag-shot-*``). Now every one of them is a
sub-directory of :func:`root` (mode 0700), and the CLI removes the whole tree in one ``finally``
(:func:`scope`), which SIGINT/SIGTERM/SIGHUP reach as exceptions (:mod:`kmdiag.signals`); anything
used outside a CLI run (the Python API, tests) is removed at interpreter exit.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

_lock = threading.Lock()
_stack: list[Path] = []  # the innermost scope's directory is used
_ambient: Path | None = None


def _new() -> Path:
    return Path(tempfile.mkdtemp(prefix=f"kmdiag-run-{os.getpid()}-"))


def root() -> Path:
    """The current scope's directory (created on first use)."""
    global _ambient
    with _lock:
        if _stack:
            if not _stack[-1].exists():
                _stack[-1].mkdir(mode=0o700, parents=True)
            return _stack[-1]
        if _ambient is None or not _ambient.exists():
            _ambient = _new()
        return _ambient


def mkdtemp(prefix: str) -> str:
    """A fresh sub-directory of :func:`root` (same signature spirit as ``tempfile.mkdtemp``)."""
    return tempfile.mkdtemp(prefix=prefix, dir=root())


@contextlib.contextmanager
def scope() -> Iterator[Path]:
    """A directory for one command; it and everything in it is removed when the block ends, however."""
    d: Path | None = None
    try:
        d = _new()
        with _lock:
            _stack.append(d)
        yield d
    finally:
        if d is not None:
            with _lock:
                if d in _stack:
                    _stack.remove(d)
            shutil.rmtree(d, ignore_errors=True)


@atexit.register
def _cleanup() -> None:
    for d in [*_stack, *([_ambient] if _ambient else [])]:
        shutil.rmtree(d, ignore_errors=True)
    # A signal between mkdtemp and the bookkeeping above: this process's directories, by name.
    for d in Path(tempfile.gettempdir()).glob(f"kmdiag-run-{os.getpid()}-*"):
        shutil.rmtree(d, ignore_errors=True)
