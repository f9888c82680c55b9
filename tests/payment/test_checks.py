"""The pure payment checks and causes on hand-made measurements: cases the demo stories do not play."""

from __future__ import annotations

from typing import Any

from kmdiag.diagnosis import diagnose
from kmdiag.models import Measurement
from kmdiag.profile.loader import parse_profile
from kmdiag.runner import run_checks, select

PROFILE = """
name: t
base_url: https://shop.example/
payment:
  order_endpoint: /api/orders/{order_id}
  notify_url: https://shop.example/pay/yipay/notify_url
  callback_log: {endpoint: "/admin/notifies/{order_id}"}
  provider: {kind: KIND, gateway: https://pay.example/, merchant_id: "1001", key_env: K, notify_timeout_s: 5,
             retry_schedule_s: [0, 60, 180]}
"""
NOW = 1_800_000_000.0


def _run(kind: str = "epay", *, order: dict | None = None, provider: dict | None = None, callbacks: list | None = None,
         target: dict | None = None, base_dns: list[str] | None = None,
         probed: bool = True) -> tuple[dict[str, Any], list[str]]:
    profile = parse_profile(PROFILE.replace("KIND", kind))
    conf = {"configured": True, "url": "https://shop.example/pay/yipay/notify_url", "scheme": "https",
            "host": "shop.example", "path": "/pay/yipay/notify_url", "dns": {"addresses": ["192.0.2.1"]},
            "status": 200, "reply": "fail", "error": None, "elapsed_ms": 20} | (target or {})
    ms = {
        "payment.order": Measurement("payment.order", {"order_id": "KM1", "found": True, "status": "unpaid", "amount": "1.00",
                                                       "expires_at": NOW + 600} | (order or {})),
        "payment.provider": Measurement("payment.provider", {"found": True, "paid": True, "status": "paid", "amount": "1.00",
                                                             "paid_at": NOW - 30, "trade_no": "T1", "error": None} | (provider or {})),
        "payment.callbacks": Measurement("payment.callbacks", {"sources": ["endpoint"], "callbacks": callbacks or [],
                                                               "observed_at": NOW}),
        "payment.notify-url": Measurement("payment.notify-url", {"method": "GET", "targets": [conf], "handler_probed": probed,
                                                                 "base_dns": {"addresses": base_dns or ["192.0.2.1"]}}),
    }
    _, checks = select("payment", None)
    findings = run_checks(checks, ms, profile, {})
    causes = diagnose(findings, command="payment", options={})
    return {f.id: f for f in findings}, [c.id for c in causes]


def _cb(**kw: Any) -> dict[str, Any]:
    return {"time": NOW - 29, "method": "GET", "path": "/pay/yipay/notify_url", "status": 200, "reply": "success",
            "duration_ms": 40, "reason": None, "params": {"money": "1"}, "signature_valid": True} | kw


def test_redirect_and_method_are_wrong_urls() -> None:
    f, causes = _run(target={"status": 301, "location": "https://www.shop.example/pay/yipay/notify_url"})
    assert causes[0] == "payment.callback-url-wrong" and "redirect" in f["payment.notify-url"].evidence["problems"]
    f, causes = _run(target={"status": 405, "allow": "POST"})
    assert causes[0] == "payment.callback-url-wrong" and "method" in f["payment.notify-url"].evidence["problems"]
    f, causes = _run(target={"dns": {"addresses": [], "error": "NXDOMAIN"}})
    assert causes[0] == "payment.callback-url-wrong"


def test_connection_refused_is_endpoint_down() -> None:
    _, causes = _run(target={"status": None, "error": "ConnectError: [Errno 111] Connection refused"})
    assert causes[0] == "payment.callback-endpoint-down"
    # By default (no --probe-notify) the handler is never called: the TCP connect alone says it.
    refused = {"ok": False, "error": "ConnectionRefusedError: [Errno 111] Connection refused", "stage": "connect"}
    f, causes = _run(target={"status": None, "reply": None, "connect": refused}, probed=False)
    assert causes[0] == "payment.callback-endpoint-down"
    assert "--probe-notify" in f["payment.notify-endpoint"].evidence["not_tried"]


def test_without_probe_notify_the_history_decides() -> None:
    """No request of ours reached the handler: 502s the provider got say "down", a 503 is a retry to wait for."""
    ok = {"status": None, "reply": None, "connect": {"ok": True, "tls": True}, "root": {"status": 200}}
    f, causes = _run(target=ok, probed=False, callbacks=[_cb(status=502, reply="bad gateway")])
    assert causes[0] == "payment.callback-endpoint-down"
    assert f["payment.notify-endpoint"].evidence["from"] == "callback-history"
    f, causes = _run(target=ok, probed=False, callbacks=[_cb(status=503, reply="busy")])
    assert f["payment.notify-endpoint"].status == "pass" and "payment.retry-pending" in causes
    assert "payment.callback-endpoint-down" not in causes
    f, causes = _run(target=ok, probed=False, callbacks=[_cb(status=404, reply="nf")])
    assert causes[0] == "payment.callback-url-wrong"
    f, causes = _run(target=ok, probed=False, callbacks=[_cb()], order={"status": "completed"})
    assert causes == [] and f["payment.notify-url"].evidence["not_tried"]


def test_money_compared_as_decimal_to_the_cent() -> None:
    f, causes = _run(callbacks=[_cb(params={"money": "1"})], order={"status": "completed"})
    assert f["payment.callback-amount"].status == "pass" and causes == []
    f, causes = _run(callbacks=[_cb(params={"money": "0.99"}, reply="fail")])
    assert f["payment.callback-amount"].status == "fail" and causes[0] == "payment.amount-mismatch"


def test_alipay_needs_exactly_success() -> None:
    cb = _cb(reply="success\n", params={"total_amount": "1.00"})
    f, causes = _run("alipay", callbacks=[cb])
    assert f["payment.callback-reply"].status == "fail" and "payment.retry-pending" in causes
    f, _ = _run("epay", callbacks=[_cb(reply="<p>SUCCESS</p>")], order={"status": "completed"})
    assert f["payment.callback-reply"].status == "pass"  # epay: substring rule


def test_bad_signature_from_our_own_verification() -> None:
    _, causes = _run(callbacks=[_cb(signature_valid=False, reply="fail")])
    assert causes[0] == "payment.signature-invalid"


def test_provider_outage_is_not_a_cause_but_inconclusive() -> None:
    """A provider that did not answer decides nothing: error (→ exit 3), never ok, never not-paid."""
    f, causes = _run(provider={"found": False, "paid": False, "error": "rate-limited", "retry_after": 2})
    assert f["payment.provider-paid"].status == "error" and "payment.not-paid" not in causes


def test_retry_schedule_used_up() -> None:
    cbs = [_cb(status=502, reply="bad", time=NOW - 29 + s) for s in (0, 60, 180)]
    f, causes = _run(provider={"paid_at": NOW - 400}, callbacks=cbs)
    assert f["payment.retry"].status == "fail" and f["payment.retry"].evidence["gave_up"]
    assert "payment.retry-pending" in causes


def test_notify_host_on_a_lan_address() -> None:
    f, causes = _run(target={"dns": {"addresses": ["192.168.1.20"]}}, base_dns=["8.8.4.4"])
    assert causes[0] == "payment.callback-url-wrong" and "private-address" in f["payment.notify-url"].evidence["problems"]
    _, causes = _run(target={"dns": {"addresses": ["127.0.0.1"]}}, base_dns=["127.0.0.1"], order={"status": "completed"},
                     callbacks=[_cb()])
    assert causes == []  # a shop that is itself on loopback (the demo) is not flagged
