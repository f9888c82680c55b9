"""The one redaction path: known values, names, phone numbers; HAR and trace files stay valid."""

from __future__ import annotations

import base64
import io
import json
import re
import zipfile
from pathlib import Path

import pytest

from kmdiag.redact import MASK, Redactor, mask_phone, phones_in

TOKEN = "sess-7Qx9Lm2Pz4Kw8Rt6"
KEY = "mk_Zz81/+&=key"


@pytest.fixture
def r() -> Redactor:
    red = Redactor([TOKEN, KEY, "abc"])  # "abc" is too short to be a secret: it must not mask words
    red.add_phone("13912345678")
    return red


@pytest.mark.parametrize("text", [
    "KM20261125000001", "order 2024010112000012345", "ts=1764072000000", "1764072000123 ms", "id 113800138000",
    "sha1 a13800138000b9f", "2026-11-25T13:00:00+00:00", "¥138001380.00",
])
def test_phone_mask_leaves_order_numbers_timestamps_and_hashes(text: str) -> None:
    assert mask_phone(text) == text


@pytest.mark.parametrize("text,expected", [
    ("手机13800138000。", "手机138****8000。"), ("tel: +8613800138000", "tel: +86138****8000"),
    ('{"contact":"18612345678"}', '{"contact":"186****5678"}'), ("contact=15912345678&x=1", "contact=159****5678&x=1"),
    ("%2213800138000%22", "%22138****8000%22"),
])
def test_phone_mask(text: str, expected: str) -> None:
    assert mask_phone(text) == expected


def test_known_values_in_every_spelling(r: Redactor) -> None:
    from urllib.parse import quote, quote_plus

    for spelled in (TOKEN, KEY, quote(KEY, safe=""), quote_plus(KEY), re.sub("%[0-9A-F]{2}", lambda m: m.group(0).lower(), quote(KEY, safe="")),
                    "mk_Zz81/+&amp;=key", json.dumps(KEY)[1:-1]):
        out = r.text(f"before {spelled} after")
        assert spelled not in out and MASK in out, spelled
    assert r.text("abc def") == "abc def"


def test_names_say_what_is_secret(r: Redactor) -> None:
    out = r.text("GET /pay?pid=1001&sign=d41d8cd98f00b204&token=zz9&out_trade_no=KM20261125000001")
    assert "pid=1001" in out and "sign=d41d8" not in out and "token=zz9" not in out and "KM20261125000001" in out
    assert r.text("Cookie: km_session=abc123; theme=dark") == f"Cookie: {MASK}"
    assert r.text("  authorization: Bearer eyJ0eXAi.abc1") == f"  authorization: {MASK}"
    assert "s3cr3t" not in r.text('{"password": "s3cr3t", "token_env": "KMDIAG_TOKEN"}')
    assert "KMDIAG_TOKEN" in r.text('{"password": "s3cr3t", "token_env": "KMDIAG_TOKEN"}')
    # prose about tokens is not a token
    assert r.text("the session token expired; basic checks passed") == "the session token expired; basic checks passed"
    assert "Zq81x0" not in r.text("sent Bearer Zq81x0abcdefgh to the API")


def test_data_keys_and_name_value_pairs(r: Redactor) -> None:
    d = r.data({"headers": {"X-Admin-Token": "adm1n", "Accept": "*/*"}, "merchant_key": "mk", "token_env": "K",
                "cookie_present": True, "cookies": [{"name": "theme", "value": "dark"}],
                "pairs": [{"name": "Authorization", "value": "Basic dXNlcjpwYXNz"}, {"name": "q", "value": "1"}],
                "count": 13800138000, "note": f"token is {TOKEN}"})
    assert d["headers"] == {"X-Admin-Token": MASK, "Accept": "*/*"}
    assert d["merchant_key"] == MASK and d["token_env"] == "K" and d["cookie_present"] is True
    assert d["cookies"][0] == {"name": "theme", "value": MASK}  # every cookie value, whatever its name
    assert d["pairs"][0]["value"] == MASK and d["pairs"][1]["value"] == "1"
    assert d["count"] == 13800138000  # numbers are data, not text
    assert TOKEN not in d["note"]


def test_phones_in_profile_fill() -> None:
    assert phones_in(["13800138000", "buyer@example.com", "+86 138 0013 8000", "1"]) == ["13800138000",
                                                                                       "+86 138 0013 8000"]


def _har() -> dict:
    body = json.dumps({"contact": "13912345678", "password": "hunter2", "qty": 1})
    return {"log": {"version": "1.2", "creator": {"name": "Playwright", "version": "1.4"}, "pages": [], "entries": [{
        "startedDateTime": "2026-11-25T13:00:00.000Z", "time": 12.5, "pageref": "page@1",
        "request": {"method": "POST", "url": f"https://shop.test/api/orders?token={TOKEN}&id=7", "httpVersion": "HTTP/1.1",
                    "cookies": [{"name": "km_session", "value": TOKEN}],
                    "headers": [{"name": "Cookie", "value": f"km_session={TOKEN}"}, {"name": "Accept", "value": "*/*"},
                                {"name": "X-Admin-Token", "value": "adm-1"}],
                    "queryString": [{"name": "token", "value": TOKEN}, {"name": "id", "value": "7"}],
                    "postData": {"mimeType": "application/json", "text": body,
                                 "params": [{"name": "password", "value": "hunter2"}]},
                    "headersSize": -1, "bodySize": len(body)},
        "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1",
                     "cookies": [{"name": "km_session", "value": "new-cookie-value-1"}],
                     "headers": [{"name": "Set-Cookie", "value": "km_session=new-cookie-value-1; HttpOnly"}],
                     "content": {"size": 10, "mimeType": "application/json", "encoding": "base64",
                                 "text": base64.b64encode(json.dumps({"token": "srv-tok-1", "ok": 1}).encode()).decode()},
                     "redirectURL": "", "headersSize": -1, "bodySize": 10},
        "cache": {}, "timings": {"send": 0, "wait": 10, "receive": 2}}]}}


def test_har_is_redacted_structurally_and_stays_valid(tmp_path: Path, r: Redactor) -> None:
    src = tmp_path / "raw.har"
    src.write_text(json.dumps(_har()), encoding="utf-8")
    out = r.file(src, tmp_path / "b" / "page.har", "har")
    raw = out.read_text(encoding="utf-8")
    har = json.loads(raw)  # still JSON, still HAR-shaped
    e = har["log"]["entries"][0]
    assert set(e) >= {"request", "response", "timings", "startedDateTime", "time", "pageref", "cache"}
    assert e["pageref"] == "page@1" and e["timings"]["wait"] == 10
    req, resp = e["request"], e["response"]
    assert [h["name"] for h in req["headers"]] == ["Cookie", "Accept", "X-Admin-Token"]
    assert req["headers"][1]["value"] == "*/*"
    for leaked in (TOKEN, "hunter2", "adm-1", "new-cookie-value-1", "13912345678"):
        assert leaked not in raw, leaked
    body = json.loads(req["postData"]["text"])
    assert body == {"contact": "139****5678", "password": MASK, "qty": 1}
    assert json.loads(base64.b64decode(resp["content"]["text"])) == {"token": MASK, "ok": 1}
    assert "srv-tok-1" not in base64.b64decode(resp["content"]["text"]).decode()
    assert req["queryString"][1] == {"name": "id", "value": "7"}


def _trace_zip() -> bytes:
    net = {"type": "resource-snapshot", "snapshot": _har()["log"]["entries"][0]}
    net["snapshot"]["response"]["content"] = {"size": 9, "mimeType": "text/html", "_sha1": "a13800138000b.html"}
    lines = [
        {"type": "context-options", "version": 8, "options": {"extraHTTPHeaders": [{"name": "Authorization",
                                                                                  "value": f"Bearer {TOKEN}"}]}},
        {"type": "before", "callId": "call@1", "method": "fill", "params": {"selector": "#contact",
                                                                           "value": "13912345678"}},
        {"type": "frame-snapshot", "snapshot": {"callId": "call@1", "html": ["INPUT", {"id": "contact",
                                                "__playwright_value_": "13912345678"}]}},
        {"type": "screencast-frame", "pageId": "page@1", "sha1": "page@1-1764072000000.jpeg", "width": 10},
    ]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("trace.trace", "\n".join(json.dumps(x) for x in lines) + "\n")
        z.writestr("trace.network", json.dumps(net) + "\n")
        z.writestr("trace.stacks", json.dumps({"files": ["/app/x.py"], "stacks": []}))
        z.writestr("resources/a13800138000b.html", f"<p>{TOKEN} 13912345678</p>")
        z.writestr("resources/0f0f.json", json.dumps({"session": "srv-sess-9", "n": 1}))
        z.writestr("screencast/page@1-1764072000000.jpeg", b"\xff\xd8\xff fake frame with 13912345678")
        z.writestr("resources/logo.png", b"\x89PNG\r\n\x1a\n" + TOKEN.encode() + b"\x00\x01")
    return buf.getvalue()


def test_trace_is_redacted_line_by_line_and_keeps_its_shape(tmp_path: Path, r: Redactor) -> None:
    src = tmp_path / "trace.zip"
    src.write_bytes(_trace_zip())
    out = r.file(src, tmp_path / "b" / "trace.zip", "trace")
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(out) as b:
        assert a.namelist() == b.namelist()  # names (sha1 references) and order kept
        for name in b.namelist():
            data = b.read(name)
            for leaked in (TOKEN, "13912345678", "hunter2", "srv-sess-9", "new-cookie-value-1"):
                assert leaked.encode() not in data, (name, leaked)
        trace = [json.loads(x) for x in b.read("trace.trace").decode().splitlines() if x.strip()]
        assert [x["type"] for x in trace] == ["context-options", "before", "frame-snapshot", "screencast-frame"]
        assert trace[1]["params"] == {"selector": "#contact", "value": "139****5678"}
        assert trace[3]["sha1"] == "page@1-1764072000000.jpeg"
        net = json.loads(b.read("trace.network"))
        assert net["snapshot"]["response"]["content"]["_sha1"] == "a13800138000b.html"  # structural: untouched
        assert net["snapshot"]["request"]["cookies"][0]["value"] == MASK
        assert json.loads(b.read("resources/0f0f.json")) == {"session": MASK, "n": 1}
        assert b.read("screencast/page@1-1764072000000.jpeg")[:3] == b"\xff\xd8\xff"
        assert b.read("resources/logo.png").startswith(b"\x89PNG")


def test_console_log_lines(tmp_path: Path, r: Redactor) -> None:
    src = tmp_path / "console.log"
    src.write_text("\n".join([json.dumps({"type": "log", "text": f"token {TOKEN}"}),
                              "plain line with 13912345678 and Cookie: a=b", "{not json"]), encoding="utf-8")
    out = r.file(src, tmp_path / "c.log", "console").read_text(encoding="utf-8").splitlines()
    assert json.loads(out[0]) == {"type": "log", "text": f"token {MASK}"}
    assert out[1] == "plain line with 139****5678 and Cookie: a=b" or "Cookie" in out[1]
    assert "13912345678" not in out[1] and out[2] == "{not json"


def test_bare_key_and_sign_need_a_secret_sized_value(r: Redactor) -> None:
    d = r.data({"key": "401", "sign": "abc", "error_code_match": {"key": "实名"}, "merchant": {"key": "k" * 32},
                "params": {"sign": "d41d8cd98f00b204e9800998ecf8427e"}})
    assert d == {"key": "401", "sign": "abc", "error_code_match": {"key": "实名"}, "merchant": {"key": MASK},
                 "params": {"sign": MASK}}
    assert r.text("a=1&key=0123456789abcdef&x=2") == f"a=1&key={MASK}&x=2"
    assert r.text("?key=id&sign=1") == "?key=id&sign=1"


def test_session_ids_by_their_usual_names(r: Redactor) -> None:
    d = r.data({"session_id": "s1d-value-1", "PHPSESSID": "abc123def", "csrf_token": "c5rf", "sid": "x1y2z3",
                "merchant_id": "1001", "order_id": "KM20261125000001"})
    assert d == {"session_id": MASK, "PHPSESSID": MASK, "csrf_token": MASK, "sid": MASK, "merchant_id": "1001",
                 "order_id": "KM20261125000001"}
    assert r.text("Cookie: PHPSESSID=abc; x=1") == f"Cookie: {MASK}"
    assert r.text("/cb?PHPSESSID=abc123&out_trade_no=KM20261125000001") == \
        f"/cb?PHPSESSID={MASK}&out_trade_no=KM20261125000001"
