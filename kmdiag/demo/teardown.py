"""Stopping a demo shop: one teardown for both demos (the dujiaoka-style shop and acg-faka mode).

Why shared: both start the same kinds of parts (loopback servers, DNS stubs, background threads
with their closers, a temp directory) and must stop them the same way — closers first, newest
first (they may still use a server), then the servers and DNS stubs side by side, then the files; one part that
fails to stop must not leave the others running. The lists are emptied, so a second ``stop()``
(``__exit__`` after an explicit stop) closes nothing twice.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable, Iterable, MutableMapping, MutableSequence
from pathlib import Path
from typing import Any


def teardown(closers: MutableSequence[Callable[[], Any]], servers: MutableSequence[Any],
             dns: MutableMapping[str, Any], tmp: Path | str) -> None:
    """Stop every part in order, each failure contained; empty the lists; remove ``tmp``."""
    _each(reversed(list(closers)), lambda fn: fn())
    _together([*servers, *dns.values()])
    closers.clear()
    servers.clear()
    dns.clear()
    shutil.rmtree(tmp, ignore_errors=True)


def _together(parts: list[Any]) -> None:
    """Close servers and DNS stubs side by side: each ``shutdown()`` waits up to one poll interval of
    its own serve loop, so one after another a demo's dozen servers cost their sum (measured: ~0.2 s of
    every demo run's end); side by side they cost the longest one."""
    threads = [threading.Thread(target=_each, args=([part], lambda p: p.close()), daemon=True) for part in parts]
    for t in threads:
        t.start()
    for t in threads:
        t.join(5.0)  # a part that hangs in close must not keep the run: its thread is a daemon


def _each(parts: Iterable[Any], stop: Callable[[Any], Any]) -> None:
    for part in parts:
        try:
            stop(part)
        except Exception:  # a part that cannot stop (already closed, port gone) must not keep the rest up
            pass
