"""Where the sweep's orders come from: ``--orders-file`` or the platform's pending-orders endpoint.

Why streaming with counts: an agent pastes exports with blank lines, ``#`` comments, Windows line
ends, a BOM and the same order twice; the sweep reads the file lazily (10,000 ids or 10 million),
asks about each order once, and says how many lines it ignored and why, so that "I gave you 500
orders and you checked 480" has an answer.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from kmdiag.ids import is_order_id
from kmdiag.safejson import response_json

_SINCE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$", re.I)
_UNITS = {"": 60, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_ID_KEYS = ("order_id", "out_trade_no", "order_sn", "trade_no", "orderSN", "tradeNo", "id")


def parse_since(value: str) -> float:
    """``30m``, ``2h``, ``1d``, ``45s``, ``1w`` (a bare number is minutes) → seconds. ValueError if not."""
    m = _SINCE.match(value or "")
    if not m:
        raise ValueError(f"'{value}' is not a duration like 30m, 2h or 1d")
    seconds = float(m.group(1)) * _UNITS[m.group(2).lower()]
    if seconds <= 0 or seconds > 366 * 86400:
        raise ValueError(f"'{value}' is out of range (1s … 366d)")
    return seconds


@dataclass
class InputStats:
    """What the input held besides orders: shown to the agent with the summary."""

    lines: int = 0
    orders: int = 0
    blank: int = 0
    comments: int = 0
    duplicates: int = 0
    invalid: int = 0
    unread: bool = False  # the input was not read to its end before the deadline (a slow stdin)

    def as_dict(self) -> dict[str, int]:
        d = dict(self.__dict__)
        if not d.pop("unread"):
            return d
        return {**d, "unread": True}


class OrderIds:
    """Unique, valid order ids from lines of text, counted as they are read (lazily)."""

    def __init__(self, stats: InputStats | None = None) -> None:
        self.stats = stats or InputStats()
        self._seen: set[str] = set()

    def take(self, raw: str) -> str | None:
        """The order id on this line, or None (blank, comment, duplicate, not an id)."""
        st = self.stats
        st.lines += 1
        line = raw.strip().lstrip("\ufeff").strip()
        if not line:
            st.blank += 1
            return None
        if line.startswith(("#", "//", ";")):
            st.comments += 1
            return None
        oid = line.split()[0].split(",")[0].strip("\"'")  # tolerate "id,amount" CSV exports and trailing notes
        if not is_order_id(oid):
            st.invalid += 1
            return None
        if oid in self._seen:
            st.duplicates += 1
            return None
        self._seen.add(oid)
        st.orders += 1
        return oid


def read_orders_file(path: str, stats: InputStats | None = None) -> Iterator[str]:
    """Yield each new order id in ``path`` (``-`` = stdin) as the file is read."""
    import sys

    ids = OrderIds(stats)
    f = sys.stdin if path == "-" else open(path, encoding="utf-8-sig", errors="replace")  # noqa: SIM115
    try:
        for raw in f:
            oid = ids.take(raw)
            if oid is not None:
                yield oid
    finally:
        if f is not sys.stdin:
            f.close()


def ids_from_payload(data: Any) -> list[str]:
    """Order ids out of whatever JSON a pending-orders endpoint returns.

    Accepted: a list of ids or of objects (``order_id``/``out_trade_no``/``order_sn``/``trade_no``/
    ``id``), possibly wrapped in ``data``, ``orders``, ``list``, ``items`` or ``rows``.
    """
    for _ in range(3):
        if isinstance(data, dict):
            for key in ("data", "orders", "list", "items", "rows", "records"):
                if key in data:
                    data = data[key]
                    break
            else:
                break
    if not isinstance(data, list):
        raise ValueError("the pending-orders endpoint did not return a list of orders")
    out: list[str] = []
    for item in data:
        if isinstance(item, str | int):
            out.append(str(item))
        elif isinstance(item, dict):
            for key in _ID_KEYS:
                if item.get(key) not in (None, ""):
                    out.append(str(item[key]))
                    break
    return out


def pending_url(template: str, since_s: float, page: int = 1, now: float | None = None) -> str:
    """Fill ``{since}`` (epoch seconds of the window's start), ``{since_s}``, ``{since_iso}``, ``{page}``."""
    start = (now if now is not None else time.time()) - since_s
    iso = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(start))
    return (template.replace("{since}", str(int(start))).replace("{since_s}", str(int(since_s)))
            .replace("{since_iso}", iso).replace("{page}", str(page)))


async def pending_orders(client: Any, url_for_page: Callable[[int], tuple[str, bool]], headers: dict[str, str],
                         stats: InputStats, max_pages: int = 1000) -> list[str]:
    """The ids the endpoint lists; with ``{page}`` in the template, page until an empty page.

    Fetched before the sweep starts (ids are small: 10,000 are well under a megabyte) so that a
    broken endpoint is one clear message, not a failure half-way. HTTP/JSON trouble → ``ValueError``.
    """
    import httpx

    ids = OrderIds(stats)
    out: list[str] = []
    for page in range(1, max_pages + 1):
        url, paged = url_for_page(page)
        try:
            resp = await client.get(url, headers=headers)
        except httpx.HTTPError as e:
            raise ValueError(f"the pending-orders endpoint could not be reached: {type(e).__name__}") from None
        if resp.status_code >= 400:
            raise ValueError(f"the pending-orders endpoint answered HTTP {resp.status_code}")
        try:
            batch = ids_from_payload(response_json(resp))
        except ValueError as e:
            raise ValueError(f"the pending-orders endpoint's answer is not usable: {e}") from None
        for raw in batch:
            oid = ids.take(raw)
            if oid is not None:
                out.append(oid)
        if not paged or not batch:
            break
    return out
