"""Find an order's callbacks in the shop's own log files, streaming, whatever state the logs are in.

Why this exists: when a provider says "paid" and the shop says "unpaid", the shop's logs are the only
witness of whether the callback arrived and what the shop answered. Those logs are big (hundreds of
MB), rotated (``*.gz``), and dirty (TLS handshakes on the HTTP port, truncated writes, GBK bytes), so
the reader goes line by line in binary, caps every line, never decodes a line that cannot match, and
turns a missing or unreadable file into a result entry instead of an exception.

Three formats (``fmt``): ``combined`` (nginx/Apache access log: method, path, status, time, user
agent), ``laravel`` (``[Y-m-d H:i:s] env.LEVEL: message`` + stack-trace lines, e.g. dujiaoka) and
``acg-faka`` (``[CALLBACK][Y-m-d H:i:s]:reason`` in UTC+8 without any order number, so it is matched by
the time ``window`` around the order's payment). ``auto`` sniffs each file.

Lines naming the order are returned whatever their time. Lines that cannot name it (acg-faka reasons,
Laravel errors that look like callback failures, POST notifies to a path without the order number)
are returned only inside ``window`` and say ``match: "time"``.
"""

from __future__ import annotations

import gzip
import re
import time
from collections.abc import Iterator
from datetime import timedelta, timezone
from typing import IO, Any

from kmdiag.payment.logformats import (  # noqa: F401  (RAW_CAP, sniff: part of this module's API)
    LARAVEL_HEADER,
    MAX_RESULTS,
    RAW_CAP,
    detect,
    id_in,
    in_window,
    is_binary,
    laravel_entry,
    open_log,
    parse_acg,
    parse_combined,
    read_lines,
    result,
    sniff,
    to_text,
)


class _Ids:
    """Which of the wanted order ids a line names, as whole tokens (KM1 is not inside KM10)."""

    def __init__(self, ids: list[bytes]) -> None:
        self.ids = ids
        self.one = ids[0] if len(ids) == 1 else None
        self.prefix = bytes(_common_prefix(ids))  # cheap C-speed pre-filter before the regex
        alts = b"|".join(re.escape(i) for i in sorted(ids, key=len, reverse=True))
        self.rx = re.compile(rb"(?<![A-Za-z0-9_])(?:" + alts + rb")(?![A-Za-z0-9_])")

    def named(self, line: bytes) -> frozenset[bytes]:
        if self.one is not None:
            return frozenset((self.one,)) if id_in(line, self.one) else frozenset()
        if self.prefix and self.prefix not in line:
            return frozenset()
        return frozenset(self.rx.findall(line))


def _common_prefix(ids: list[bytes]) -> bytes:
    lo, hi = min(ids), max(ids)
    i = 0
    while i < min(len(lo), len(hi)) and lo[i] == hi[i]:
        i += 1
    return lo[:i]


Hit = tuple[frozenset[bytes], dict[str, Any]]  # (the ids the lines named — empty: matched by time, the hit)


class _OutOfTime(Exception):
    """The caller's deadline passed in the middle of a file."""


def _scan(f: IO[bytes], source: str, fmt: str, ids: _Ids, max_lines: int | None,
          window: tuple[float, float] | None, laravel_tz: timezone, deadline: float | None = None) -> Iterator[Hit]:
    head: tuple[int, bytes] | None = None  # laravel: the header of the entry being read (stack traces follow it)
    names: frozenset[bytes] = frozenset()
    parse = parse_combined if fmt == "combined" else parse_acg
    for n, line in read_lines(f, max_lines):
        if deadline is not None and not n & 0xFFFF and time.monotonic() > deadline:
            raise _OutOfTime
        if not line:
            continue
        if fmt != "laravel":
            found = ids.named(line)
            hit = parse(source, n, line, bool(found), window)
            if hit is not None:
                yield found, hit
        elif line[:1] == b"[" and line[1:5].isdigit() and not is_binary(line) and LARAVEL_HEADER.match(to_text(line[:200])):
            hit = laravel_entry(source, head, bool(names), window, laravel_tz)
            if hit is not None:
                yield names, hit
            head, names = (n, line[:4 * RAW_CAP]), ids.named(line)
        elif head is not None:
            more = ids.named(line)  # the order number may show up only in the context or the stack trace
            if more:
                names = names | more
    hit = laravel_entry(source, head, bool(names), window, laravel_tz) if fmt == "laravel" else None
    if hit is not None:
        yield names, hit


def search_callbacks(paths: list[str], order_id: str, *, fmt: str = "auto", max_lines: int | None = None,
                     window: tuple[float, float] | None = None, laravel_utc_offset_h: float = 8.0) -> list[dict]:
    """Every log line about ``order_id``'s callbacks in ``paths`` (plain or ``.gz``), oldest file first.

    Result dicts: ``time`` (epoch or None), ``method``, ``path``, ``status``, ``reason``, ``source``,
    ``line_no``, ``raw`` (capped), plus ``kind`` (``callback`` | ``error`` | ``truncated``), ``format``,
    ``match`` (``order_id`` | ``time``) and ``error``; access-log hits also carry ``user_agent``,
    ``params`` (the decoded query string: a GET notify's signed fields) and ``duration_ms`` (when the
    line ends with nginx's ``$request_time``). ``max_lines`` caps the lines read per file.
    Laravel writes in the app's timezone: dujiaoka ships Asia/Shanghai, hence the UTC+8 default.
    """
    windows = {order_id: window} if window is not None else None
    return search_many(paths, [order_id], fmt=fmt, max_lines=max_lines, windows=windows,
                       laravel_utc_offset_h=laravel_utc_offset_h)[order_id]


def search_many(paths: list[str], order_ids: list[str], *, fmt: str = "auto", max_lines: int | None = None,
                windows: dict[str, tuple[float, float]] | None = None, laravel_utc_offset_h: float = 8.0,
                deadline: float | None = None) -> dict[str, list[dict]]:
    """:func:`search_callbacks` for many orders in one pass over each file (the sweep's lost orders).

    ``windows`` maps an order id to its time window; lines matched by time go to every order whose
    window holds them. Returns order id → results, each list as ``search_callbacks`` would give it.
    Past ``deadline`` (``time.monotonic()``) the search stops with a ``truncated`` entry.
    """
    if fmt not in ("auto", "combined", "laravel", "acg-faka", "jsonl", "csv"):
        raise ValueError(f"unknown log format {fmt!r}")
    out: dict[str, list[dict]] = {oid: [] for oid in order_ids}
    if not order_ids:
        return out
    if fmt in ("jsonl", "csv"):  # rows with the shop's own field names: read through search_rows + a mapping
        for lst in out.values():
            lst.extend(result(p, fmt, kind="error", error=f"{fmt}: name the file in callback_log.sources with its fields")
                       for p in paths)
        return out
    ids = _Ids([oid.encode("utf-8") for oid in out])
    wins = {k: v for k, v in (windows or {}).items() if k in out}
    union = (min(w[0] for w in wins.values()), max(w[1] for w in wins.values())) if wins else None
    ltz = timezone(timedelta(hours=laravel_utc_offset_h))

    def note(path: str, file_fmt: str, kind: str, error: str) -> None:
        for lst in out.values():
            lst.append(result(path, file_fmt, kind=kind, error=error))

    for path in paths:
        try:
            file_fmt = fmt if fmt != "auto" else detect(path)
            if not file_fmt:
                if file_fmt is None:
                    note(path, "unknown", "error", "no line in a known log format")
                continue
            if file_fmt == "jsonl":
                note(path, file_fmt, "error", "JSON lines: name the file in callback_log.sources with its fields")
                continue
            with open_log(path) as f:
                for names, hit in _scan(f, path, file_fmt, ids, max_lines, union, ltz, deadline):
                    targets = ([n.decode("utf-8") for n in names] if names
                               else [oid for oid, w in wins.items() if in_window(w, hit["time"])])
                    for oid in targets:
                        lst = out[oid]
                        if len(lst) < MAX_RESULTS:
                            lst.append(hit if len(targets) == 1 else dict(hit))
                        elif len(lst) == MAX_RESULTS:
                            lst.append(result(path, file_fmt, kind="truncated", error=f"more than {MAX_RESULTS} matches"))
                if max_lines is not None and f.readline(1):
                    note(path, file_fmt, "truncated", f"stopped after {max_lines} lines")
        except _OutOfTime:
            note(path, fmt, "truncated", "time budget spent")
            break
        except FileNotFoundError:
            note(path, fmt, "error", "file not found")
        except PermissionError:
            note(path, fmt, "error", "permission denied")
        except IsADirectoryError:
            note(path, fmt, "error", "is a directory")
        except (OSError, EOFError, gzip.BadGzipFile) as e:  # corrupt gz, I/O error: keep what was read
            note(path, fmt, "error", f"{type(e).__name__}: {e}"[:RAW_CAP])
    return out


def search_rows(paths: list[str], order_id: str, *, fmt: str, order_field: Any = None, candidate: bytes | None = None,
                deadline: float | None = None, max_rows: int = MAX_RESULTS) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Rows of JSON-lines or CSV files (a shop's own log, a DB export) about ``order_id``.

    A row is read when its line names the order as a whole token (and, with ``order_field`` — a
    function row → value — when that value equals the order), or when it contains ``candidate``
    (WeChat Pay v3 notifies name the order only inside their encrypted resource: the caller opens
    them and keeps its own). Returns (rows as ``{"row", "source", "line_no", "match"}``, errors).
    """
    import csv
    import json

    oid = order_id.encode("utf-8")
    rows: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for path in paths:
        header: list[str] | None = None
        try:
            file_fmt = fmt if fmt != "auto" else (detect(path) or "jsonl")
            with open_log(path) as f:
                for n, line in read_lines(f, None):
                    if deadline is not None and not n & 0x3FFF and time.monotonic() > deadline:
                        errors.append(result(path, file_fmt, kind="truncated", error="time budget spent"))
                        return rows, errors
                    if not line.strip() or is_binary(line):
                        continue
                    if file_fmt == "csv" and header is None:
                        header = next(csv.reader([to_text(line).lstrip("\ufeff")]), [])
                        continue
                    named = id_in(line, oid)
                    if not named and not (candidate and candidate in line):
                        continue  # a row whose order field is this order names it: no need to parse the others
                    try:
                        if file_fmt == "csv":
                            row: Any = dict(zip(header or [], next(csv.reader([to_text(line)]), []), strict=False))
                        else:
                            row = json.loads(to_text(line))
                    except (ValueError, RecursionError, csv.Error):
                        continue
                    if order_field is not None and named:
                        value = order_field(row)
                        named = value is not None and str(value) == order_id
                        if not named and not (candidate and candidate in line):
                            continue  # another order's row that mentions this one
                    rows.append({"row": row, "source": f"{path}:{n}", "line_no": n,
                                 "match": "order_id" if named else "candidate"})
                    if len(rows) >= max_rows:
                        errors.append(result(path, file_fmt, kind="truncated", error=f"more than {max_rows} rows"))
                        return rows, errors
        except FileNotFoundError:
            errors.append(result(path, fmt, kind="error", error="file not found"))
        except PermissionError:
            errors.append(result(path, fmt, kind="error", error="permission denied"))
        except IsADirectoryError:
            errors.append(result(path, fmt, kind="error", error="is a directory"))
        except (OSError, EOFError, gzip.BadGzipFile) as e:
            errors.append(result(path, fmt, kind="error", error=f"{type(e).__name__}: {e}"[:RAW_CAP]))
    return rows, errors
