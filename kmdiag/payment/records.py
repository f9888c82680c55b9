"""Callback records in one shape, whatever wrote them: a mapped API row, a JSON line, a CSV row, a log hit.

Why pure and apart from the probe: every source (an admin API with its own field names, nginx's
access log, acg-faka's runtime.log, a DB export) says the same few things — when, which request,
what it carried, what the shop answered, how long it took — and the diagnosis must read them the
same way. The probe does the I/O; this module maps (JMESPath from the profile), decodes (a query
string, a form body, a JSON body), and merges the same callback seen by two sources into one.

A record: ``time`` (epoch), ``method``, ``path`` (no query), ``query`` / ``form`` (dicts),
``params`` (both merged: what was signed), ``raw_body``, ``headers``, ``status`` (int), ``reply``,
``duration_ms``, ``reason``, ``user_agent``, ``source``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qsl, urlsplit

MERGE_WINDOW_S = 2.0  # the same callback seen by an API and an access log: timestamps this close
REPLY_CAP = 500
BODY_CAP = 64 * 1024

_MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}
_CLF = re.compile(r"^(\d{2})/(\w{3})/(\d{4}):(\d{2}):(\d{2}):(\d{2})\s*([+-]\d{4})?$")


def zone(spec: str) -> timezone:
    """``+08:00`` / ``+0800`` / ``UTC`` / ``Z`` → a fixed zone (the profile validated it)."""
    s = spec.strip().upper()
    if s in ("UTC", "Z", ""):
        return UTC
    sign = -1 if s[0] == "-" else 1
    digits = s[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0)))


def parse_time(value: Any, tz: timezone) -> float | None:
    """Epoch seconds (ms when > 1e12), ``Y-m-d H:M:S[.f]``, ISO 8601 with or without a zone, or CLF."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) / (1000 if value > 1e12 else 1)
    s = str(value).strip()
    try:
        return parse_time(float(s), tz)
    except ValueError:
        pass
    m = _CLF.match(s)
    if m:
        d, mon, y, hh, mm, ss, off = m.groups()
        month = _MONTHS.get(mon.lower())
        if month is None:
            return None
        z = zone(off[:3] + ":" + off[3:]) if off else tz
        try:
            return datetime(int(y), month, int(d), int(hh), int(mm), int(ss), tzinfo=z).timestamp()
        except ValueError:
            return None
    try:
        dt = datetime.fromisoformat(s.replace("Z", "+00:00").replace("/", "-"))
    except ValueError:
        return None
    return (dt if dt.tzinfo else dt.replace(tzinfo=tz)).timestamp()


def field_of(expr: str | None, row: Any) -> Any:
    if not expr:
        return None
    import jmespath

    try:
        return jmespath.search(expr, row)
    except Exception:  # a type error inside an expression on one odd row: that field is unknown
        return None


def _pairs(value: Any) -> dict[str, str]:
    """A query/form as a dict, from ``a=1&b=2``, ``?a=1``, or an object (values as strings)."""
    if isinstance(value, Mapping):
        return {str(k): v if isinstance(v, str) else ("" if v is None else _scalar(v)) for k, v in value.items()}
    if isinstance(value, str):
        text = value.strip().lstrip("?")
        if "=" in text and not text.startswith(("{", "[")):
            return dict(parse_qsl(text, keep_blank_values=True))
    return {}


def _scalar(v: Any) -> str:
    if isinstance(v, dict | list):
        import json

        return json.dumps(v, ensure_ascii=False, separators=(",", ":"))
    return str(v)


def _int(v: Any) -> int | None:
    try:
        return int(str(v).strip())
    except (TypeError, ValueError):
        return None


def _duration_ms(v: Any, unit: str) -> int | None:
    if v is None or v == "" or isinstance(v, bool):
        return None
    try:
        f = float(str(v).strip().removesuffix("ms").removesuffix("s"))
    except ValueError:
        return None
    return int(round(f * 1000)) if unit == "s" else int(round(f))


def from_row(row: Any, fields: Any, *, tz: timezone, duration_unit: str = "ms", source: str) -> dict[str, Any]:
    """One source row mapped by the profile's ``fields`` (a RecordFields) into a record."""
    g = {name: field_of(getattr(fields, name), row) for name in type(fields).model_fields}
    url = g["url"] if isinstance(g["url"], str) else None
    path, query = g["path"] if isinstance(g["path"], str) else None, _pairs(g["query"])
    if url:
        parts = urlsplit(url)
        path = path or parts.path or None
        query = query or _pairs(parts.query)
    elif path and "?" in path:
        path, q = path.split("?", 1)
        query = query or _pairs(q)
    raw = g["raw_body"] if isinstance(g["raw_body"], str) else None
    form_v = g["form"]
    if raw is None and isinstance(form_v, str) and form_v.lstrip().startswith("{"):
        raw, form_v = form_v, None  # a JSON body (WeChat Pay v3) mapped as "the body"
    form = _pairs(form_v)
    if not form and raw and not raw.lstrip().startswith(("{", "<")):
        form = _pairs(raw)
    if raw is None and isinstance(form_v, str) and form:
        raw = form_v  # the form exactly as received: Alipay verifies over it
    params = {**query, **form, **_pairs(g["params"])}
    headers = g["headers"] if isinstance(g["headers"], Mapping) else {}
    return {
        "time": parse_time(g["time"], tz), "method": str(g["method"]).upper() if g["method"] else None, "path": path,
        "query": query, "form": form, "params": params, "raw_body": raw[:BODY_CAP] if raw else None,
        "headers": {str(k): str(v) for k, v in headers.items()}, "status": _int(g["status"]),
        "reply": None if g["reply"] is None else _scalar(g["reply"])[:REPLY_CAP],
        "duration_ms": _duration_ms(g["duration"], duration_unit),
        "reason": None if g["reason"] in (None, "") else _scalar(g["reason"])[:REPLY_CAP],
        "order_id": None if g["order_id"] is None else str(g["order_id"]), "user_agent": None, "source": source,
    }


def from_hit(h: Mapping[str, Any]) -> dict[str, Any]:
    """A log hit (access log, runtime.log, laravel.log) as a record; an access log's query string is kept."""
    path, query = h.get("path"), dict(h.get("params") or {})
    if isinstance(path, str) and "?" in path:
        path = path.split("?", 1)[0]
    return {"time": h.get("time"), "method": h.get("method"), "path": path, "query": query, "form": {},
            "params": query, "raw_body": None, "headers": {}, "status": h.get("status"), "reply": None,
            "duration_ms": h.get("duration_ms"), "reason": h.get("reason"), "user_agent": h.get("user_agent"),
            "source": f"{h.get('source')}:{h.get('line_no')}", "format": h.get("format"), "match": h.get("match")}


def _same(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    if a.get("time") is None or b.get("time") is None or abs(a["time"] - b["time"]) > MERGE_WINDOW_S:
        return False
    for k in ("method", "path", "status"):
        if a.get(k) is not None and b.get(k) is not None and a[k] != b[k]:
            return False
    return True


def merge(groups: Iterable[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Every source's records as one history, oldest first: a callback two sources saw once becomes
    one record with what each knew (the API's reply, the access log's duration, runtime.log's reason)."""
    out: list[dict[str, Any]] = []
    for group in groups:
        fresh: list[dict[str, Any]] = []
        for rec in group:
            twin = next((o for o in out if _same(o, rec)), None)
            if twin is None:
                fresh.append(dict(rec))
                continue
            for k, v in rec.items():
                if twin.get(k) in (None, "", {}) and v not in (None, "", {}):
                    twin[k] = v
            twin["sources"] = sorted({*twin.get("sources", [twin.get("source")]), rec.get("source")} - {None})
        out.extend(fresh)
    out.sort(key=lambda r: (r.get("time") is None, r.get("time") or 0))
    return out
