"""Callback log search on real-format lines, with the garbage real logs contain."""

from __future__ import annotations

import gzip
import time
import tracemalloc
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from kmdiag.payment.logs import RAW_CAP, search_callbacks, search_many, sniff

OID = "KM20261125000042"
UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"
CN = timezone(timedelta(hours=8))
PAID = datetime(2026, 11, 25, 21, 0, 0, tzinfo=CN).timestamp()

NGINX = [
    f'203.0.113.7 - - [25/Nov/2026:21:00:03 +0800] "GET /pay/yipay/notify_url?pid=1001&trade_no=2026112521000312&out_trade_no={OID}&type=alipay&name=KM&money=6&trade_status=TRADE_SUCCESS&sign=0f1e2d&sign_type=MD5 HTTP/1.1" 405 1203 "-" "{UA}"',
    f'203.0.113.7 - - [25/Nov/2026:21:01:04 +0800] "GET /pay/yipay/notify_url?out_trade_no={OID}0&money=6 HTTP/1.1" 200 7 "-" "{UA}"',
    '198.51.100.9 - - [25/Nov/2026:21:00:30 +0800] "\\x16\\x03\\x01\\x02\\x00\\x01\\x00\\x01\\xFC\\x03\\x03" 400 157 "-" "-"',
    f'198.51.100.9 - - [25/Nov/2026:21:00:31 +0800] "GET /bill/{OID} HTTP/2.0" 200 5120 "https://shop.example/" "{UA}"',
    '110.75.1.1 - - [25/Nov/2026:21:00:05 +0800] "POST /pay/alipay/notify_url HTTP/1.1" 200 4 "-" "Mozilla/4.0"',
    '110.75.1.1 - - [25/Nov/2026:23:30:05 +0800] "POST /pay/alipay/notify_url HTTP/1.1" 200 4 "-" "Mozilla/4.0"',
]
LARAVEL = [
    "[2026-11-25 21:00:03] production.ERROR: The GET method is not supported for this route. Supported methods: POST. "
    '{"exception":"[object] (Symfony\\\\Component\\\\HttpKernel\\\\Exception\\\\MethodNotAllowedHttpException(code: 0): ...)',
    "[stacktrace]",
    "#0 /www/dujiaoka/vendor/laravel/framework/src/Illuminate/Routing/RouteCollection.php(256): ...",
    "#1 {main}",
    '"} ',
    "[2026-11-25 21:00:09] production.ERROR: 订单金额不一致 {\"exception\":\"[object] (App\\\\Exceptions\\\\RuleValidationException(code: 0): 订单金额不一致 at /www/dujiaoka/app/Service/OrderProcessService.php:390)",
    "[stacktrace]",
    f"#0 /www/dujiaoka/app/Http/Controllers/Pay/YipayController.php(89): completedOrder('{OID}', '6', '2026112521')",
    "#1 {main}",
    "[2026-11-25 21:05:00] production.INFO: mail sent",
]
ACG = [
    "[CALLBACK][2026-11-25 21:00:04]:签名验证失败",
    "[CALLBACK][2026-11-25 21:01:05]:签名验证失败",
    "[CALLBACK][2026-11-26 03:00:00]:订单金额不匹配",
]


def write(path: Path, lines: list[str], garbage: bool = True) -> str:
    with open(path, "wb") as f:
        for i, line in enumerate(lines):
            f.write(line.encode("utf-8") + b"\n")
            if garbage and i == 1:
                f.write(b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03\x00\x00garbage\n")  # binary
                f.write(b"\xff\xfe\xc3\x28 invalid utf-8 \xe4\xb8 half a char\n")
                f.write(b"\n   \n")
    return str(path)


def test_sniff_formats() -> None:
    assert sniff(NGINX[0].encode()) == "combined"
    assert sniff(LARAVEL[0].encode()) == "laravel"
    assert sniff(ACG[0].encode()) == "acg-faka"
    assert sniff(b"\x00\x01 hello") is None


def test_combined_by_order_id(tmp_path: Path) -> None:
    p = write(tmp_path / "access.log", NGINX)
    hits = search_callbacks([p], OID)
    assert [h["line_no"] for h in hits] == [1, 8]  # garbage lines still counted
    notify, bill = hits
    assert notify["method"] == "GET" and notify["path"].startswith("/pay/yipay/notify_url?")
    assert notify["status"] == 405 and notify["match"] == "order_id" and notify["format"] == "combined"
    assert notify["time"] == pytest.approx(PAID + 3)
    assert notify["user_agent"] == UA and notify["source"] == p
    assert bill["path"] == f"/bill/{OID}"  # not KM...0420 (line 2)
    assert notify["params"]["out_trade_no"] == OID and notify["params"]["money"] == "6"  # signed fields, decoded
    assert notify["params"]["sign"] == "0f1e2d" and bill["params"] == {} and notify["duration_ms"] is None


def test_combined_with_request_time(tmp_path: Path) -> None:
    """nginx's combined format with $request_time appended (as the demo shop writes it)."""
    line = (f'127.0.0.1 - - [25/Nov/2026:13:00:03 +0000] "GET /pay/yipay/notify_url?out_trade_no={OID}&name=%E5%8D%A1 '
            f'HTTP/1.1" 502 157 "-" "{UA}" 5.004')
    p = write(tmp_path / "access.log", [line], garbage=False)
    (h,) = search_callbacks([p], OID)
    assert h["status"] == 502 and h["duration_ms"] == 5004 and h["params"]["name"] == "卡" and h["user_agent"] == UA


def test_combined_time_window_takes_post_notifies_only(tmp_path: Path) -> None:
    p = write(tmp_path / "access.log", NGINX)
    hits = search_callbacks([p], "KM-NOT-THERE", window=(PAID - 60, PAID + 3600))
    assert [(h["line_no"], h["match"]) for h in hits] == [(9, "time")]  # the POST notify; not the GET for another order
    assert hits[0]["method"] == "POST" and hits[0]["status"] == 200


def test_laravel_multiline(tmp_path: Path) -> None:
    p = write(tmp_path / "laravel.log", LARAVEL)
    hits = search_callbacks([p], OID)
    assert len(hits) == 1 and hits[0]["format"] == "laravel"
    h = hits[0]
    assert h["reason"].startswith("订单金额不一致") and h["level"] == "ERROR" and h["match"] == "order_id"
    assert h["time"] == pytest.approx(PAID + 9)
    # with a window, the 405 that cannot name the order comes too, marked as matched by time
    hits = search_callbacks([p], OID, window=(PAID - 60, PAID + 60))
    assert [h["match"] for h in hits] == ["time", "order_id"]
    assert "GET method is not supported" in hits[0]["reason"]


def test_acg_faka_by_time_window_utc8(tmp_path: Path) -> None:
    p = write(tmp_path / "runtime.log", ACG)
    assert search_callbacks([p], OID) == []  # no order number in these lines, no window: nothing to claim
    hits = search_callbacks([p], OID, window=(PAID, PAID + 120))
    assert [h["reason"] for h in hits] == ["签名验证失败", "签名验证失败"]
    assert hits[0]["time"] == PAID + 4 and hits[0]["match"] == "time" and hits[0]["format"] == "acg-faka"
    # the same wall-clock read as UTC would be 8 h off: a window in UTC terms must not match
    utc_paid = datetime(2026, 11, 25, 21, 0, 0, tzinfo=UTC).timestamp()
    assert search_callbacks([p], OID, window=(utc_paid, utc_paid + 120)) == []


def test_gz_rotated_and_missing_files(tmp_path: Path) -> None:
    gz = tmp_path / "access.log.1.gz"
    with gzip.open(gz, "wb") as f:
        f.write(("\n".join(NGINX) + "\n").encode())
    (tmp_path / "bad.gz").write_bytes(b"not gzip at all")
    (tmp_path / "empty.log").write_bytes(b"")  # just rotated: nothing to find, not an error
    (tmp_path / "other.log").write_bytes(b"some other program's output\n")
    hits = search_callbacks([str(gz), str(tmp_path / "nope.log"), str(tmp_path / "bad.gz"), str(tmp_path / "empty.log"),
                             str(tmp_path / "other.log"), str(tmp_path)], OID)
    kinds = [(h["kind"], h["error"]) for h in hits]
    assert kinds[:2] == [("callback", None), ("callback", None)]
    assert kinds[2] == ("error", "file not found")
    assert kinds[3][0] == "error" and "BadGzip" in kinds[3][1]
    assert kinds[4] == ("error", "no line in a known log format")
    assert kinds[5] == ("error", "is a directory")


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """chmod 0 does not stop root (the CI user), so the refusal comes from open() itself."""
    import kmdiag.payment.logs as logs

    p = write(tmp_path / "x.log", NGINX)

    def refuse(path: str) -> None:
        raise PermissionError(13, "Permission denied", path)

    monkeypatch.setattr(logs, "open_log", refuse)
    assert search_callbacks([p], OID)[0]["error"] == "permission denied"


def test_overlong_line_capped_and_max_lines(tmp_path: Path) -> None:
    long = NGINX[0].replace('" 405', "A" * 300_000 + '" 405')
    p = write(tmp_path / "access.log", [long, *NGINX], garbage=False)
    hits = search_callbacks([p], OID)
    assert [h["line_no"] for h in hits] == [2, 5]  # the 300 kB line is cut, not parsed, and counts as one line
    assert all(len(h["raw"]) <= RAW_CAP for h in hits)
    hits = search_callbacks([p], OID, max_lines=2)
    assert [h["kind"] for h in hits] == ["callback", "truncated"]


def test_bad_format_name() -> None:
    with pytest.raises(ValueError):
        search_callbacks([], OID, fmt="syslog")


def test_200k_lines_streams(tmp_path: Path) -> None:
    """A 200,000-line access log is read in bounded memory: peak allocation far below the file size."""
    p = tmp_path / "big.log"
    filler = f'10.0.0.1 - - [25/Nov/2026:20:00:00 +0800] "GET /buy/1?ref=KM2026112499{{:04d}} HTTP/1.1" 200 5120 "-" "{UA}"\n'
    with open(p, "w", encoding="utf-8") as f:
        for i in range(200_000):
            f.write(filler.format(i % 10_000))
            if i == 150_000:
                f.write(NGINX[0] + "\n")
    size = p.stat().st_size
    assert size > 30_000_000
    tracemalloc.start()
    t0 = time.perf_counter()
    hits = search_callbacks([str(p)], OID)
    elapsed = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert [h["line_no"] for h in hits] == [150_002]
    assert peak < 2_000_000, peak  # < 2 MB for a 30+ MB file
    assert elapsed < 20


def test_search_many_equals_one_by_one(tmp_path: Path) -> None:
    """One pass for many orders gives each order what its own search would (named and by-time lines)."""
    other = "KM20261125000099"
    files = [write(tmp_path / "access.log", NGINX), write(tmp_path / "laravel.log", LARAVEL),
             write(tmp_path / "runtime.log", ACG), str(tmp_path / "missing.log")]
    windows = {OID: (PAID - 60, PAID + 3600), other: (PAID + 50, PAID + 70), "KM1": (0.0, 1.0)}
    many = search_many(files, [OID, other, "KM1"], windows=windows)
    for oid, w in windows.items():
        assert many[oid] == search_callbacks(files, oid, window=w), oid
    assert [h["reason"] for h in many[other] if h["format"] == "acg-faka"] == ["签名验证失败"]  # 21:01:05 only
    assert many["KM1"][-1]["error"] == "file not found"


def test_search_many_one_pass_is_fast(tmp_path: Path) -> None:
    p = tmp_path / "big.log"
    wanted = [f"KM2026112499{i:04d}" for i in range(0, 5000, 100)]  # 50 lost orders
    with open(p, "w", encoding="utf-8") as f:
        for i in range(100_000):
            f.write(f'10.0.0.1 - - [25/Nov/2026:20:00:00 +0800] "GET /pay/yipay/notify_url?out_trade_no='
                    f'KM2026112499{i % 10_000:04d}&money=6 HTTP/1.1" 200 7 "-" "{UA}"\n')
    t0 = time.perf_counter()
    many = search_many([str(p)], wanted)
    elapsed = time.perf_counter() - t0
    assert all(len(many[o]) == 10 for o in wanted)
    assert elapsed < 10


def test_search_many_respects_deadline(tmp_path: Path) -> None:
    p = tmp_path / "big.log"
    p.write_text(NGINX[0] + "\n" + (NGINX[3] + "\n") * 70_000, encoding="utf-8")
    hits = search_many([str(p)], [OID], deadline=time.monotonic() - 1)[OID]
    assert hits[-1]["kind"] == "truncated" and hits[-1]["error"] == "time budget spent"
