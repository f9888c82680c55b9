"""``--orders-file``: read off the event loop, under the deadline, refusing what it cannot read.

Why a thread and a sniff: the input may be a slow ``stdin`` (``kmdiag … --orders-file -`` fed by
another command), a pipe from ``<(…)``, or a 10-million-line export; reading it on the event loop
would stall every query, and a thread blocked on ``stdin`` must never hold the process's exit (it
is a daemon thread, and the reader gives up at the deadline). Before the sweep starts, the first
lines are sniffed: JSON, a header row, the delimiter (``,`` ``;`` tab ``|``), a first column of
dates. Input that names no order numbers is refused with exit 2 and what was expected — a sweep
that checked nothing must never say "ok".
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import stat
import sys
import threading
import time
from collections.abc import AsyncIterator
from typing import IO, Any

from kmdiag.errors import UsageError
from kmdiag.ids import ALLOWED, is_order_id, preview
from kmdiag.payment.sweep_inputs import InputStats, OrderIds

SNIFF_LINES = 50
SNIFF_WAIT = 0.2  # seconds a slow input gets to show more lines than its first before the sniff decides
CHUNK = 256 * 1024
DRAIN_S = 0.3  # after the deadline: lines already read still get their "unchecked" entry
MAX_LINE = 4096
EXPECTED = (f"one order number a line ({ALLOWED}), or CSV (, ; tab |) with the order number in the first "
            "column or a header row naming it (order_id, out_trade_no, order_sn, trade_no, 订单号)")
HEADER_NAMES = ("order_id", "orderid", "order_no", "order_sn", "ordersn", "out_trade_no", "outtradeno", "trade_no",
                "tradeno", "order", "id", "订单号", "订单编号", "商户订单号", "交易号")
_DATE = re.compile(r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?:[ T]\d{1,2}:\d{2}(?::\d{2})?.*)?$|^\d{1,2}:\d{2}(?::\d{2})?$")
_DELIMS = (",", ";", "\t", "|")


class OrdersInputError(UsageError):
    """The orders input is not something the sweep can read (exit 2)."""


def _open(path: str) -> IO[bytes]:
    if path == "-":
        return sys.stdin.buffer
    try:
        st = os.stat(path)
    except OSError as e:
        raise OrdersInputError(f"--orders-file: cannot read '{path}': {e.strerror or e}") from None
    if stat.S_ISDIR(st.st_mode):
        raise OrdersInputError(f"--orders-file: '{path}' is a directory; expected a file with {EXPECTED}")
    if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode) or stat.S_ISSOCK(st.st_mode):
        raise OrdersInputError(f"--orders-file: '{path}' is a device or socket, not a file of order numbers")
    if not (stat.S_ISREG(st.st_mode) or stat.S_ISFIFO(st.st_mode)):
        raise OrdersInputError(f"--orders-file: '{path}' is not a regular file")
    if not os.access(path, os.R_OK):
        raise OrdersInputError(f"--orders-file: '{path}' is not readable (permission denied)")
    return open(path, "rb")  # noqa: SIM115 - a FIFO's open blocks: only ever called in the reader thread


class _Reader:
    """A daemon thread reading lines in batches into an asyncio queue (bounded: memory stays flat)."""

    def __init__(self, path: str, loop: asyncio.AbstractEventLoop) -> None:
        self.path, self.loop = path, loop
        self.queue: asyncio.Queue[list[bytes] | BaseException | None] = asyncio.Queue(maxsize=64)
        self.stop = threading.Event()
        if path != "-":
            check_readable(path)
        threading.Thread(target=self._run, name="kmdiag-orders-reader", daemon=True).start()

    def _put(self, item: Any) -> bool:
        if self.stop.is_set():
            return False
        try:
            asyncio.run_coroutine_threadsafe(self.queue.put(item), self.loop).result()
            return True
        except Exception:  # the loop is gone: the run is over
            return False

    def _run(self) -> None:
        f: IO[bytes] | None = None
        try:
            f = _open(self.path)
            read = getattr(f, "read1", f.read)  # what is there now: a slow pipe's line arrives at once
            rest = b""
            while True:
                chunk = read(CHUNK)
                if not chunk:
                    break
                lines = (rest + chunk).split(b"\n")
                rest = lines.pop()
                if len(rest) > MAX_LINE:  # no newline in sight (a binary blob): keep only its head
                    rest = rest[:MAX_LINE]
                if lines and not self._put([x[:MAX_LINE] for x in lines]):
                    return
            if rest and not self._put([rest]):
                return
            self._put(None)
        except BaseException as e:  # noqa: BLE001 - handed to the event loop as data
            self._put(e)
        finally:
            if f is not None and f is not sys.stdin.buffer:
                with contextlib.suppress(OSError):
                    f.close()


def check_readable(path: str) -> None:
    """The checks of :func:`_open` that never block, done before the thread starts (clear exit 2).

    Public: the CLI refuses an unreadable ``--orders-file`` with it before anything starts."""
    if path != "-":
        f = None
        try:
            st = os.stat(path)
        except OSError:
            st = None
        if st is None or not stat.S_ISFIFO(st.st_mode):
            f = _open(path)
        if f is not None:
            f.close()




class OrdersInput:
    """``await OrdersInput.open(path, stats, deadline)`` sniffs the format; then ``async for oid in it``."""

    def __init__(self, reader: _Reader, stats: InputStats, deadline: float) -> None:
        self.reader, self.stats, self.deadline = reader, stats, deadline
        self.ids = OrderIds(stats)
        self.pending: list[bytes] = []
        self.eof = False
        self.column = 0
        self.delim: str | None = None
        self.skip_first = False
        self.fmt = "lines"
        self.drain_until: float | None = None

    @classmethod
    async def open(cls, path: str, stats: InputStats, deadline: float) -> OrdersInput:
        self = cls(_Reader(path, asyncio.get_running_loop()), stats, deadline)
        sample: list[bytes] = []
        first_at: float | None = None
        while not self.eof and len([s for s in sample if s.strip()]) < SNIFF_LINES:
            wait = None if first_at is None else first_at + SNIFF_WAIT - time.monotonic()
            if wait is not None and wait <= 0:
                break
            got = await self._batch(wait)
            if got is None:
                break
            sample += got
            if first_at is None and any(s.strip() for s in sample):
                first_at = time.monotonic()
        self.pending = sample
        self._sniff(path, [_text(b) for b in sample])
        return self

    async def _batch(self, wait: float | None = None) -> list[bytes] | None:
        """The next batch of lines; None at the end or at the deadline (+ DRAIN_S for lines already
        there, so a file's orders are still reported ``unchecked``), or after ``wait`` seconds (sniff)."""
        if self.eof:
            return None
        now = time.monotonic()
        left = self.deadline - now
        if left <= 0:
            if self.drain_until is None:
                self.drain_until = now + DRAIN_S
            left = min(0.05, self.drain_until - now)
        sniffing = wait is not None and wait < left
        if sniffing:
            left = wait  # type: ignore[assignment]
        try:
            if left <= 0:
                item = self.reader.queue.get_nowait()
            else:
                item = await asyncio.wait_for(self.reader.queue.get(), left)
        except (asyncio.QueueEmpty, TimeoutError):
            if sniffing:
                return None
            self.stats.unread = True
            self.eof = True
            self.reader.stop.set()
            return None
        return self._item(item)

    def _item(self, item: Any) -> list[bytes] | None:
        if item is None:
            self.eof = True
            return None
        if isinstance(item, BaseException):
            self.eof = True
            if isinstance(item, UsageError):
                raise item
            raise OrdersInputError(f"--orders-file: reading failed: {type(item).__name__}: {item}") from None
        return item

    def _sniff(self, path: str, lines: list[str]) -> None:
        rows = [x.strip() for x in lines if x.strip() and not x.strip().startswith(("#", "//"))]
        name = "stdin" if path == "-" else path
        if not rows:
            if self.eof and not self.stats.unread:
                raise OrdersInputError(f"--orders-file: {name} holds no order numbers; expected {EXPECTED}")
            return
        first = rows[0]
        if first[:1] in ("[", "{"):
            raise OrdersInputError(f"--orders-file: {name} looks like JSON; expected {EXPECTED}",
                                   hint="e.g. jq -r '.[].order_id' orders.json > orders.txt")
        self.delim = next((d for d in _DELIMS if all(d in r for r in rows[:5])), None) or \
            next((d for d in _DELIMS if d in first), None)
        cells = _cells(first, self.delim)
        header = [c.lower().replace(" ", "_") for c in cells]
        digits = any(ch.isdigit() for ch in first)  # order numbers have digits; header names do not
        later = any(ch.isdigit() for r in rows[1:3] for ch in r)
        if any(h in HEADER_NAMES for h in header) or (len(cells) > 1 and not digits and later):
            col = next((header.index(h) for h in HEADER_NAMES if h in header), None)
            if col is None:
                raise OrdersInputError(f"--orders-file: the header row of {name} ({preview(first, 60)}) names no "
                                       f"order-number column; expected {EXPECTED}")
            self.column, self.skip_first, self.fmt = col, True, f"csv-header:{cells[col]}"
            rows = rows[1:]
        elif self.delim:
            self.fmt = f"csv{self.delim!r}"
        values = [_cells(r, self.delim)[self.column] if len(_cells(r, self.delim)) > self.column else "" for r in rows]
        if values and sum(bool(_DATE.match(v)) for v in values) * 2 > len(values):
            raise OrdersInputError(f"--orders-file: the {'order column' if self.skip_first else 'first column'} of "
                                   f"{name} holds dates or times ({preview(values[0])}), not order numbers; expected "
                                   f"{EXPECTED}")
        if values and not any(is_order_id(v) and any(ch.isdigit() for ch in v) for v in values):
            raise OrdersInputError(f"--orders-file: no order number in the first lines of {name} (e.g. "
                                   f"'{preview(rows[0] if rows else first)}'); expected {EXPECTED}")

    def __aiter__(self) -> AsyncIterator[str]:
        return self._iter()

    async def _iter(self) -> AsyncIterator[str]:
        first = True
        while True:
            if not self.pending:
                got = await self._batch()
                if got is None:
                    return
                self.pending = got
            batch, self.pending = self.pending, []
            for raw in batch:
                line = _text(raw)
                if first and line.strip() and not line.strip().startswith(("#", "//")):
                    first = False
                    if self.skip_first:
                        self.stats.lines += 1
                        continue
                cells = _cells(line, self.delim) if self.delim and line.strip()[:1] not in ("#", "/") else [line]
                oid = self.ids.take(cells[self.column] if len(cells) > self.column else "\x00")
                if oid is not None:
                    yield oid

    def close(self) -> None:
        self.reader.stop.set()


def _text(b: bytes) -> str:
    return b.decode("utf-8", "replace").lstrip("\ufeff")


def _cells(line: str, delim: str | None) -> list[str]:
    line = line.strip().lstrip("\ufeff")
    if delim is None:
        parts = line.split()
        return [parts[0].strip("\"'")] if parts else [""]
    return [c.strip().strip("\"'").strip() for c in line.split(delim)]
