"""Line-level reading of the three callback-log formats: what one line says, cheaply and safely.

Why apart from ``logs.py``: the scanner there decides *which* lines belong to which orders; this
module only knows formats (nginx/Apache combined, Laravel, acg-faka ``runtime.log``), how to read a
file line by line in binary with every line capped, and how to turn one line into a result dict
without ever raising on garbage.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import IO, Any
from urllib.parse import parse_qs

from kmdiag.payment.shoptime import SHOP_TZ

MAX_LINE = 64 * 1024  # bytes read of one line; the rest of an over-long line is skipped
RAW_CAP = 500  # characters of a line kept in a result
MAX_RESULTS = 1000  # per call: a log that matches more than this is summarised, not copied
SNIFF_LINES = 200

_MONTHS = {m: i for i, m in enumerate(("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
                                        "Nov", "Dec"), start=1)}
_COMBINED = re.compile(
    r'^(?P<client>\S+) \S+ \S+ \[(?P<time>[^\]]+)\] "(?P<request>(?:[^"\\]|\\.)*)" (?P<status>\d{3}|-) (?P<size>\S+)'
    r'(?: "(?P<referer>(?:[^"\\]|\\.)*)" "(?P<ua>(?:[^"\\]|\\.)*)")?'
    r"(?:.*? (?P<rt>\d+\.\d+)\s*$)?"  # nginx "$request_time" appended to the combined format
)
_CLF_TIME = re.compile(r"(\d{2})/(\w{3})/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})")
LARAVEL_HEADER = re.compile(r"^\[(\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2})(?:\.\d+)?(?:[+-]\d{2}:?\d{2})?\] (\w+)\.(\w+): ?(.*)$")
_ACG = re.compile(r"^\[CALLBACK\]\[(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})\]:?(.*)$")
# Laravel errors that are about a callback even though they do not name the order
_LARAVEL_HINT = re.compile(r"notify|callback|回调|签名|金额|订单|sign|method is not supported|not allowed", re.I)
_NOTIFY_PATH = re.compile(rb"notify|callback", re.I)


def result(source: str, fmt: str, **kw: Any) -> dict[str, Any]:
    d: dict[str, Any] = {"kind": "callback", "format": fmt, "match": "order_id", "time": None, "method": None,
                         "path": None, "status": None, "reason": None, "user_agent": None, "source": source,
                         "line_no": None, "raw": "", "error": None}
    d.update(kw)
    return d


def _clf_time(s: str) -> float | None:
    m = _CLF_TIME.match(s)
    if not m:
        return None
    d, mon, y, hh, mm, ss, sign, oh, om = m.groups()
    month = _MONTHS.get(mon)
    if month is None:
        return None
    off = timedelta(hours=int(oh), minutes=int(om)) * (-1 if sign == "-" else 1)
    try:
        return datetime(int(y), month, int(d), int(hh), int(mm), int(ss), tzinfo=timezone(off)).timestamp()
    except ValueError:
        return None


def _local_time(s: str, tz: timezone) -> float | None:
    try:
        return datetime.strptime(s.replace("T", " "), "%Y-%m-%d %H:%M:%S").replace(tzinfo=tz).timestamp()
    except ValueError:
        return None


def read_lines(f: IO[bytes], max_lines: int | None) -> Iterator[tuple[int, bytes]]:
    """(line number, bytes without the newline), each at most MAX_LINE bytes; memory stays flat."""
    n = 0
    while max_lines is None or n < max_lines:
        chunk = f.readline(MAX_LINE)
        if not chunk:
            return
        n += 1
        if not chunk.endswith(b"\n") and len(chunk) == MAX_LINE:
            while True:  # discard the rest of an over-long line
                rest = f.readline(MAX_LINE)
                if not rest or rest.endswith(b"\n"):
                    break
        yield n, chunk.rstrip(b"\r\n")


_NOT_CONTROL = bytes(b for b in range(256) if not (b < 9 or 13 < b < 32))


def is_binary(line: bytes) -> bool:
    """NUL bytes or several control characters: a TLS handshake, a truncated write, not a log line."""
    return b"\x00" in line or len(line[:256].translate(None, _NOT_CONTROL)) > 4


def to_text(line: bytes) -> str:
    return line.decode("utf-8", "replace")


def id_in(line: bytes, oid: bytes) -> bool:
    """The order id as a whole token: KM1 must not match inside KM10."""
    start = 0
    while True:
        i = line.find(oid, start)
        if i < 0:
            return False
        before = line[i - 1:i]
        after = line[i + len(oid):i + len(oid) + 1]
        if not (before.isalnum() or before == b"_") and not (after.isalnum() or after == b"_"):
            return True
        start = i + 1


def sniff(line: bytes) -> str | None:
    """Which format a single line is written in, if any."""
    if line.startswith(b"[CALLBACK]["):
        return "acg-faka"
    if line.startswith(b"{") and line.rstrip().endswith(b"}"):
        return "jsonl"
    text = to_text(line[:400])
    if LARAVEL_HEADER.match(text):
        return "laravel"
    if _COMBINED.match(text):
        return "combined"
    return None


def open_log(path: str) -> IO[bytes]:
    """Regular files only (a FIFO or /dev/zero is refused), every read under the run's deadline."""
    from kmdiag.safefile import open_binary

    f = open_binary(path)
    if path.endswith(".gz"):
        return gzip.GzipFile(fileobj=f, mode="rb")  # type: ignore[return-value]
    return f


def detect(path: str) -> str | None:
    """Sniff the first lines of a file; "" for an empty file (just rotated: nothing to find, no
    error), None when nothing in them looks like a known format."""
    seen = False
    with open_log(path) as f:
        for _, line in read_lines(f, SNIFF_LINES):
            seen = seen or bool(line.strip())
            if line and not is_binary(line):
                fmt = sniff(line)
                if fmt:
                    return fmt
    return None if seen else ""


def in_window(window: tuple[float, float] | None, t: float | None) -> bool:
    return window is not None and t is not None and window[0] <= t <= window[1]


def parse_combined(source: str, n: int, line: bytes, named: bool, window: tuple[float, float] | None) -> dict | None:
    if not named:
        if window is None:
            return None
        # cheap look at the request path before any decoding: only a notify without a query string
        # (a POSTed form naming no order) can be ours by time; GET notifies of other orders are not
        q = line.find(b'"')
        sp = line.find(b" ", q + 1) if q >= 0 else -1
        end = line.find(b" ", sp + 1) if sp >= 0 else -1
        req_path = line[sp + 1:end] if end > sp >= 0 else b""
        if b"?" in req_path or not _NOTIFY_PATH.search(req_path):
            return None
    if is_binary(line):
        return None
    text = to_text(line)
    m = _COMBINED.match(text)
    if not m:
        return None
    method = path = None
    parts = m.group("request").split(" ")
    if len(parts) >= 2 and parts[0].isalpha() and parts[0].isupper():
        method, path = parts[0], parts[1]
    t = _clf_time(m.group("time"))
    if not named and (path is None or "?" in path or re.search(r"callback\.\w+", path) or not in_window(window, t)):
        return None
    status = m.group("status")
    params: dict[str, str] = {}
    if path and "?" in path:  # a GET notify carries every signed field: the diagnosis can verify it
        params = {k: v[-1] for k, v in parse_qs(path.split("?", 1)[1], keep_blank_values=True).items()}
    rt = m.group("rt")
    return result(source, "combined", match="order_id" if named else "time", time=t, method=method, path=path,
                  status=int(status) if status.isdigit() else None, user_agent=m.group("ua"), line_no=n,
                  raw=text[:RAW_CAP], params=params, duration_ms=int(float(rt) * 1000) if rt else None)


def parse_acg(source: str, n: int, line: bytes, named: bool, window: tuple[float, float] | None) -> dict | None:
    if not line.startswith(b"[CALLBACK]") or (not named and window is None) or is_binary(line):
        return None
    text = to_text(line)
    m = _ACG.match(text)
    if not m:
        return None
    t = _local_time(m.group(1), SHOP_TZ)  # acg-faka writes runtime.log in UTC+8 whatever the server zone
    if not named and not in_window(window, t):
        return None
    return result(source, "acg-faka", match="order_id" if named else "time", time=t, reason=m.group(2).strip()[:RAW_CAP],
                  line_no=n, raw=text[:RAW_CAP])


def laravel_entry(source: str, head: tuple[int, bytes] | None, named: bool,
                   window: tuple[float, float] | None, tz: timezone) -> dict | None:
    """Turn a finished Laravel entry (header line + whether any of its lines named the order) into a hit."""
    if head is None or (not named and window is None):
        return None
    n, line = head
    text = to_text(line)
    m = LARAVEL_HEADER.match(text)
    if not m:
        return None
    t = _local_time(m.group(1), tz)
    if not named and not (_LARAVEL_HINT.search(m.group(4)) and in_window(window, t)):
        return None
    return result(source, "laravel", match="order_id" if named else "time", time=t, reason=m.group(4)[:RAW_CAP],
                  level=m.group(3).upper(), line_no=n, raw=text[:RAW_CAP])
