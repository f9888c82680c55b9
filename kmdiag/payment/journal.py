"""kmdiag's journal of its own requests to notify handlers, so they are never taken as evidence.

Why: a shop's callback log cannot say who called. acg-faka writes *every* request to its callback
handler that fails verification — an unsigned ``--probe-notify`` request included — to
``runtime.log`` as 签名验证失败, with no trade number and no caller (reference §7.1). Read back in the
next run (or by the sweep), that line looks like the gateway's failed notify. So every request kmdiag
itself sends to a notify handler (``--probe-notify``, ``--renotify``) is written here — when and to
which host, never parameters — and log lines inside those windows are dropped before any check sees
them.

Where: ``$XDG_CACHE_HOME/kmdiag/own-requests.jsonl`` (default ``~/.cache``; ``KMDIAG_CACHE_DIR``
overrides). Entries older than ``KEEP_S`` are pruned. The journal is best-effort: a read-only home
never fails a diagnosis.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

KEEP_S = 7 * 86400
MARGIN_S = 2.0  # log lines carry whole seconds, and the shop's clock may lag kmdiag's by a little
MAX_ENTRIES = 2000


def path(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    if env.get("KMDIAG_CACHE_DIR"):
        return Path(env["KMDIAG_CACHE_DIR"]) / "own-requests.jsonl"
    base = env.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "kmdiag" / "own-requests.jsonl"


def record(url: str, started: float, ended: float, what: str) -> None:
    """Remember one request kmdiag sent to a notify handler (host and path only; no query, no secrets)."""
    u = urlsplit(url)
    host, port = _where(url)
    entry = {"start": round(started, 3), "end": round(ended, 3), "scheme": u.scheme, "host": host,
             "port": port, "path": u.path, "what": what}
    p = path()
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
        with open(p, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(entry) + "\n")
        if p.stat().st_size > MAX_ENTRIES * 200:
            _prune(p)
    except OSError:
        pass


def _prune(p: Path) -> None:
    keep = [e for e in entries(p) if e["end"] > time.time() - KEEP_S][-MAX_ENTRIES // 2:]
    tmp = p.with_suffix(".tmp")
    tmp.write_text("".join(json.dumps(e) + "\n" for e in keep), encoding="utf-8")
    tmp.replace(p)


def entries(p: Path | None = None) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    try:
        with open(p or path(), encoding="utf-8") as fh:
            for line in fh:
                try:
                    e = json.loads(line)
                except ValueError:
                    continue
                if isinstance(e, dict) and isinstance(e.get("start"), int | float) and isinstance(e.get("end"), int | float):
                    out.append(e)
    except OSError:
        return []
    return out


def _where(url_or_host: str) -> tuple[str, int | None]:
    """(host, port) of a URL — default ports explicit — or (host, None) for a bare host name."""
    if "://" not in url_or_host:
        return url_or_host.lower(), None
    u = urlsplit(url_or_host)
    try:
        port = u.port or {"http": 80, "https": 443}.get(u.scheme)
    except ValueError:
        port = None
    return (u.hostname or "").lower(), port


def windows(targets: Iterable[str]) -> list[tuple[float, float]]:
    """Time windows of kmdiag's own requests to any of ``targets`` (URLs or host names; widened by ``MARGIN_S``).

    A URL target matches by host and port (two shops on one host are two shops); no targets: every entry.
    """
    wanted = [_where(t) for t in targets if t]
    out = []
    for e in entries():
        host = str(e.get("host") or "")
        port = e.get("port") or {"http": 80, "https": 443}.get(str(e.get("scheme") or ""))
        if not wanted or any(h == host and (p is None or p == port) for h, p in wanted):
            out.append((e["start"] - MARGIN_S, e["end"] + MARGIN_S))
    return out


def own(t: float | None, wins: list[tuple[float, float]]) -> bool:
    return t is not None and any(a <= t <= b for a, b in wins)


def drop_own(hits: list[dict[str, Any]], wins: list[tuple[float, float]]) -> tuple[list[dict[str, Any]], int]:
    """``hits`` without the lines matched *by time* inside kmdiag's own windows; and how many were dropped.

    A line that names the order (an access-log line with the trade number) is kept unless its user
    agent says kmdiag: it still was the gateway's if it came in the same second.
    """
    kept: list[dict[str, Any]] = []
    dropped = 0
    for h in hits:
        ua = str(h.get("user_agent") or "").lower()
        mine = "kmdiag" in ua or (h.get("match") == "time" and own(h.get("time"), wins))
        if mine:
            dropped += 1
        else:
            kept.append(h)
    return kept, dropped
