"""One way for the tests' own loopback page servers to run: serve in a daemon thread, stop on exit.

Shared because tests/browser/pages.py, tests/themes/server.py and tests/mybrowser/shop.py each
started and stopped their server the same way."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def running(httpd: Any) -> Iterator[None]:
    """``httpd.serve_forever`` in a daemon thread for the ``with`` block; shut down and closed after."""
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
    try:
        yield
    finally:
        httpd.shutdown()
        httpd.server_close()
