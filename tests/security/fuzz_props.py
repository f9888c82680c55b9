"""The fuzzed properties, shared by the suite (tests/security/test_fuzz.py, a small fixed budget) and
benchmarks/fuzz.py (a large one, whose figures go to docs/reliability.md).

Each ``check_*`` takes one generated input and raises AssertionError when kmdiag misbehaves: an
exception other than the documented error type (a "traceback"), a case slower than
:data:`CASE_BUDGET_S` ("over budget"), or a secret in redacted output (a "leak").
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

from hypothesis import strategies as st

CASE_BUDGET_S = 2.0
SECRETS = st.text(st.characters(blacklist_categories=("Cs",)), min_size=8, max_size=40).filter(
    lambda s: s.strip() == s and len(set(s)) > 3)

_KEYS = ["name", "base_url", "network", "platform", "order", "account", "payment", "system_resolver", "product_url",
         "button", "order_request", "fill", "provider", "kind", "gateway", "key_env", "callback_log", "files", "format",
         "endpoint", "status_map", "order_fields", "timeout", "&a", "*a", "<<", "!!python/object", "- ", "[", "{"]
YAML = st.lists(st.one_of(st.sampled_from(_KEYS), st.text(max_size=12), st.integers().map(str)), max_size=40).flatmap(
    lambda parts: st.lists(st.sampled_from([": ", "\n", "\n  ", "\n    - ", ", ", " "]), min_size=len(parts),
                           max_size=len(parts)).map(lambda seps: "".join(p + s for p, s in zip(parts, seps, strict=True))))

_LOG_LINES = [
    b'127.0.0.1 - - [25/Nov/2026:10:00:00 +0800] "GET /pay/notify?out_trade_no=KM1&trade_status=TRADE_SUCCESS HTTP/1.1"'
    b' 200 7 "-" "Mozilla" 0.012',
    b'1.2.3.4 - - [25/Nov/2026:10:00:00 +0800] "POST /pay/notify HTTP/1.1" 500 0 "-" "-"',
    b"[2026-11-25 10:00:00] production.ERROR: callback failed KM1 {\"exception\":\"x\"}",
    b"#0 /var/www/app/Http/Controllers/PayController.php(42): KM1",
    b"[CALLBACK][2026-11-25 10:00:00]:sign error",
    b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", b"", b"\xff\xfe\x00KM1",
]
LOGS = st.lists(st.one_of(st.sampled_from(_LOG_LINES), st.binary(max_size=200),
                          st.sampled_from(_LOG_LINES).flatmap(lambda ln: st.integers(0, max(0, len(ln) - 1)).map(
                              lambda i: ln[:i]))), max_size=30).map(lambda xs: b"\n".join(xs))
JSONISH = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=30),
                       lambda kids: st.lists(kids, max_size=5) | st.dictionaries(st.text(max_size=10), kids, max_size=5),
                       max_leaves=30)
PARAMS = st.dictionaries(st.sampled_from(["pid", "trade_no", "out_trade_no", "type", "name", "money", "trade_status",
                                          "sign", "sign_type", "param", "notify_time", "total_amount", "app_id"])
                         | st.text(max_size=8), st.one_of(st.text(max_size=40), st.integers(), st.none()), max_size=10)
IDS = st.one_of(st.text(max_size=200), st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,140}", fullmatch=True),
                st.sampled_from(["../../../admin/api/users/1/delete", "KM1?status=paid&x=", "KM1#frag", "..", "%2e%2e",
                                 "KM1/../x", "\ud800", "KM\x001"]))
URLS = st.one_of(st.text(max_size=80), st.builds(lambda s, h, p, rest: f"{s}://{h}{p}{rest}",
                                                  st.sampled_from(["http", "https", "ftp", "HTTP", ""]),
                                                  st.text(max_size=20), st.sampled_from(["", ":80", ":0", ":99999", ":x", ":"]),
                                                  st.text(max_size=20)))


def timed(fn: Any, *a: Any) -> Any:
    started = time.monotonic()
    out = fn(*a)
    took = time.monotonic() - started
    assert took < CASE_BUDGET_S, f"over budget: {took:.2f}s"
    return out


def check_profile(text: str) -> None:
    from kmdiag.errors import KmdiagError
    from kmdiag.profile.loader import parse_profile

    try:
        timed(parse_profile, text, "fuzz.yaml")
    except KmdiagError:
        pass


def check_logs(data: bytes, fmt: str) -> None:
    from kmdiag.payment.logs import search_callbacks

    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "x.log"
        p.write_bytes(data)
        hits = timed(lambda: search_callbacks([str(p)], "KM1", fmt=fmt, window=(0.0, 4e9)))
    assert isinstance(hits, list) and all(isinstance(h, dict) and "kind" in h for h in hits)
    json.dumps(hits, ensure_ascii=False).encode("utf-8")  # reportable as it is


def check_callbacks(params: dict[str, Any], record: Any, body: bytes) -> None:
    from kmdiag import safejson
    from kmdiag.payment.providers import epay, wechatpay

    assert isinstance(epay.verify({k: v for k, v in params.items()}, "merchant-key-0001"), bool)
    if isinstance(record, dict):
        wechatpay.decrypt_resource(record, "0" * 32)
        try:
            from kmdiag.payment.records import field_of

            for expr in ("data.notifies", "status", "params.sign", "a[0].b"):
                field_of(expr, record)
        except ImportError:  # pragma: no cover - older trees
            pass
    try:
        safejson.loads(body)
    except ValueError:
        pass


def check_id(value: str) -> None:
    import httpx

    from kmdiag.ids import InvalidOrderId, check_order_id, fill

    try:
        oid = check_order_id(value)
    except InvalidOrderId as e:
        assert "\n" not in str(e) and len(str(e)) < 400
        oid = None
    u = httpx.URL(fill("http://127.0.0.1/api/orders/{order_id}/x?a=1", order_id=value))
    assert u.host == "127.0.0.1" and u.raw_path.startswith(b"/api/orders/") and u.raw_path.count(b"/") == 4
    assert u.query == b"a=1" and not u.fragment
    if oid is not None:
        assert oid == value


def check_url(value: str) -> None:
    from kmdiag.ids import InvalidURL, check_url

    try:
        timed(check_url, value)
    except InvalidURL as e:
        assert "\n" not in str(e)


def check_redaction(secret: str, before: str, after: str, how: str) -> None:
    from kmdiag.redact import Redactor

    spelled = {"raw": secret, "url": quote(secret, safe=""), "plus": quote_plus(secret),
               "json": json.dumps(secret)[1:-1]}[how]
    r = Redactor([secret])
    out = r.text(before + spelled + after)
    assert spelled not in out or spelled in (before + after) and spelled in r.text(before + after), "leak"
    data = r.data({"a": [before + spelled + after], "headers": {"X-Any": spelled}})
    dumped = json.dumps(data, ensure_ascii=False)
    assert secret not in dumped or secret in before + after, "leak"
