"""kmdiag's own requests to notify handlers are journaled and their log lines never become evidence."""

from __future__ import annotations

import time

from kmdiag.payment import journal
from kmdiag.payment.logs import search_callbacks
from kmdiag.payment.timewindow import payment_window


def test_lines_inside_own_windows_are_dropped(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("KMDIAG_CACHE_DIR", str(tmp_path))
    now = time.time()
    journal.record("http://shop.test:8080/user/api/order/callback.1?x=secret", now - 100, now - 99.5, "probe-notify")
    assert "secret" not in (tmp_path / "own-requests.jsonl").read_text()
    hits = [{"time": now - 100, "match": "time", "reason": "签名验证失败"},
            {"time": now - 50, "match": "time", "reason": "签名验证失败"},
            {"time": now - 100, "match": "order_id", "reason": "x", "user_agent": "curl"}]
    kept, dropped = journal.drop_own(hits, journal.windows(["http://shop.test:8080/"]))
    assert dropped == 1 and [h["time"] for h in kept] == [now - 50, now - 100]
    other = journal.windows(["http://shop.test:9090/"])  # another shop on the same host
    assert journal.drop_own(hits, other)[1] == 0


def test_unwritable_cache_never_fails(monkeypatch, tmp_path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("KMDIAG_CACHE_DIR", str(blocker / "sub"))
    journal.record("http://shop.test/cb", 1.0, 2.0, "renotify")
    assert journal.windows([]) == []


def test_runtime_log_lines_are_matched_by_time_in_utc8(tmp_path) -> None:
    log = tmp_path / "runtime.log"
    log.write_text("[CALLBACK][2026-12-01 16:00:05]:签名验证失败\n[CALLBACK][2026-12-01 18:00:00]:订单金额不匹配\n",
                   encoding="utf-8")
    paid = 1796112000.0  # 2026-12-01 16:00:00 UTC+8
    win = payment_window(paid, [0, 60, 180], 5, observed=paid + 600)
    hits = search_callbacks([str(log)], "261201160000000001", fmt="acg-faka", window=win)
    assert [h["reason"] for h in hits] == ["签名验证失败"] and hits[0]["match"] == "time"
    assert payment_window(None, [0], 5) is None
