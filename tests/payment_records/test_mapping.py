"""Pure parts: the profile's record mapping, strict profiles, old key names, merging, and the rule that
a failing payment run always names a cause."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

import pytest

from kmdiag.diagnosis import diagnose, report_status
from kmdiag.i18n import T
from kmdiag.models import Finding, Measurement, Status
from kmdiag.payment.records import from_hit, from_row, merge, parse_time, zone
from kmdiag.profile.loader import ProfileError, parse_profile
from kmdiag.profile.records_schema import RecordFields
from kmdiag.runner import run_checks, select

BASE = "name: x\nbase_url: https://a/\n"


@pytest.mark.parametrize("text, line, words", [
    (BASE + "payment:\n  order_fields: {status: a, remark: b}\n", 4, ["remark", "expected one of: status, amount"]),
    (BASE + "payment:\n  callback_log:\n    sources:\n      - api: /n\n        fields:\n          tiem: created\n", 8,
     ["sources.0.fields.tiem", "did you mean 'time'"]),
    (BASE + "payment:\n  callback_log:\n    sources:\n      - api: /n\n        fields: {time: 'a['}\n", 7, ["JMESPath"]),
    (BASE + "payment:\n  callback_log:\n    sources:\n      - {api: /n, files: [a.log]}\n", 6, ["either an api"]),
    (BASE + "payment:\n  callback_log:\n    sources:\n      - {files: [a.log], formt: jsonl}\n", 6, ["did you mean 'format'"]),
    (BASE + "payment:\n  provider: {kind: alipay, md5_key_env: K}\n", 4, ["md5_key_env belongs to kind epay", "alipay_public_key_env"]),
    (BASE + "payment:\n  provider: {kind: epay, key_env: A, md5_key_env: B}\n", 4, ["keep only md5_key_env"]),
    (BASE + "payment:\n  provider: {kind: epay, md5_key_evn: B}\n", 4, ["did you mean 'md5_key_env'"]),
])
def test_profiles_say_what_they_mean(text: str, line: int, words: list[str]) -> None:
    with pytest.raises(ProfileError) as e:
        parse_profile(text, "p.yaml")
    assert e.value.message.startswith(f"p.yaml:{line}:"), e.value.message
    for w in words:
        assert w in e.value.message, e.value.message


def test_old_key_names_load_with_one_warning(capsys: pytest.CaptureFixture[str]) -> None:
    text = BASE + "payment:\n  provider:\n    kind: wechatpay\n    key_env: V3\n    public_key_env: PUB\n"
    for _ in range(3):
        p = parse_profile(text, "old.yaml").payment.provider
    assert (p.apiv3_key_env, p.platform_public_key_env, p.key_env) == ("V3", "PUB", "V3")
    err = capsys.readouterr().err
    assert err.count("key_env is now called apiv3_key_env") + err.count("key_env 已改名为 apiv3_key_env") == 1
    assert "old.yaml:6:" in err and "old.yaml:7:" in err
    for kind, new in (("epay", "md5_key_env"), ("alipay", "alipay_public_key_env")):
        prov = parse_profile(BASE + f"payment:\n  provider: {{kind: {kind}, key_env: K}}\n", f"{kind}.yaml").payment.provider
        assert getattr(prov, new) == "K"


def test_wildcard_order_request_is_never_a_path() -> None:
    from kmdiag.probes._netutil import order_api_url

    assert order_api_url(parse_profile(BASE + "order: {order_request: 'POST /user/api/order/*'}\n")) is None
    assert order_api_url(parse_profile(BASE + "order: {order_request: 'POST /api/orders'}\n")) == "https://a/api/orders"


def test_times_and_zones() -> None:
    cn, t = zone("+08:00"), datetime(2026, 12, 1, 8, 0, tzinfo=UTC).timestamp()
    assert parse_time("2026-12-01 16:00:00", cn) == t
    assert parse_time("2026-12-01 08:00:00", zone("UTC")) == t
    assert parse_time("2026-12-01T16:00:00.000+08:00", zone("UTC")) == t
    assert parse_time("01/Dec/2026:08:00:00 +0000", cn) == t
    assert parse_time(t * 1000, cn) == t and parse_time(str(int(t)), cn) == t
    assert parse_time("yesterday", cn) is None


def test_a_row_mapped_its_own_way() -> None:
    f = RecordFields(time="created", url="uri", status="code", form="body", reply="answer", duration="cost", method="verb")
    row = {"created": "2026-12-01 16:00:00", "uri": "/n/epay?out_trade_no=K1&money=1&sign=abc", "code": "200",
           "body": "a=1&b=%E5%8D%A1", "answer": "success", "cost": 1.5, "verb": "post"}
    r = from_row(row, f, tz=zone("+08:00"), duration_unit="s", source="api")
    assert r["path"] == "/n/epay" and r["query"]["out_trade_no"] == "K1" and r["form"] == {"a": "1", "b": "卡"}
    assert r["params"]["sign"] == "abc" and r["raw_body"] == "a=1&b=%E5%8D%A1"  # the raw form kept for Alipay
    assert (r["status"], r["duration_ms"], r["method"]) == (200, 1500, "POST")
    j = from_row({"b": '{"resource":{}}'}, RecordFields(form="b"), tz=zone("UTC"), source="s")
    assert j["raw_body"] == '{"resource":{}}' and j["form"] == {}  # a JSON body stays raw (WeChat signs the bytes)


def test_the_same_callback_from_two_sources_is_one() -> None:
    api = [{"time": 100.2, "method": "GET", "path": "/n", "status": 200, "reply": "fail", "duration_ms": None, "source": "api"},
           {"time": 160.0, "method": "GET", "path": "/n", "status": 200, "reply": "fail", "duration_ms": None, "source": "api"}]
    log = [from_hit({"time": 100.0, "method": "GET", "path": "/n?a=1", "status": 200, "duration_ms": 40, "params": {"a": "1"},
                     "source": "access.log", "line_no": 7})]
    acg = [{"time": 101.0, "reason": "签名验证失败", "source": "runtime.log:3"}]
    out = merge([api, log, acg])
    assert len(out) == 2
    assert out[0]["duration_ms"] == 40 and out[0]["reason"] == "签名验证失败" and out[0]["params"] == {"a": "1"}
    assert set(out[0]["sources"]) == {"api", "access.log:7", "runtime.log:3"}


def test_a_failing_check_without_a_rule_still_names_a_cause() -> None:
    f = [Finding("payment.new-check", "payment", Status.FAIL, T(zh="t", en="t"), T(zh="坏了", en="broken"))]
    causes = diagnose(f, command="payment", options={})
    assert [c.id for c in causes] == ["payment.unexplained"] and "broken" in causes[0].explanation.en
    f.append(Finding("payment.review-hold", "payment", Status.FAIL, T(zh="t", en="t"), T(zh="审核", en="review")))
    assert [c.id for c in diagnose(f, command="payment", options={})] == ["payment.secondary-review"]  # fallback only alone


PROFILE = """
name: t
base_url: https://shop.example/
payment:
  order_endpoint: /api/orders/{order_id}
  notify_url: https://shop.example/pay/yipay/notify_url
  callback_log: {endpoint: "/admin/notifies/{order_id}"}
  provider: {kind: KIND, gateway: https://pay.example/, merchant_id: "1001", notify_timeout_s: 5, retry_schedule_s: SCHED}
"""
NOW = 1_800_000_000.0
PROVIDERS = [{"found": True, "paid": True, "amount": "1.00", "paid_at": NOW - 30, "error": None},
             {"found": True, "paid": False, "amount": None, "paid_at": None, "error": None},
             {"found": False, "paid": False, "error": "bad-signature: the response does not verify"},
             {"found": False, "paid": False, "error": "auth: 商户密钥错误"},
             {"found": False, "paid": False, "error": "rate-limited", "retry_after": 3},
             {"found": False, "paid": False, "error": "network: timeout"}]
CALLBACKS = [[], [{"time": NOW - 29, "status": 200, "reply": "success", "duration_ms": 40, "params": {"money": "1"}}],
             [{"time": NOW - 29, "status": 499, "reply": "", "duration_ms": 5000}],
             [{"time": NOW - 29, "status": 500, "reply": '{"code":"FAIL","message":"解密失败"}',
               "verification": {"signature": True, "code": "valid", "decrypted": True, "decrypt_code": "ok"}, "signature_valid": True}],
             [{"time": NOW - 29, "status": 200, "reply": "fail", "signature_valid": False, "params": {"money": "0.5"}}],
             [{"time": NOW - 29, "status": 200, "reply": "fail", "reason": "订单已过期"}]]
ORDERS = ["unpaid", "completed", "processing", "review", "abnormal", None]


@pytest.mark.parametrize("kind, sched", [("epay", "[0, 60]"), ("wechatpay", "[]")])
def test_problem_never_comes_without_a_cause(kind: str, sched: str) -> None:
    profile = parse_profile(PROFILE.replace("KIND", kind).replace("SCHED", sched))
    _, checks = select("payment", None)
    seen = 0
    for prov, cbs, st in itertools.product(PROVIDERS, CALLBACKS, ORDERS):
        order: dict[str, Any] = {"order_id": "KM1", "found": st is not None, "status": st, "amount": "1.00"}
        ms = {"payment.order": Measurement("payment.order", order),
              "payment.provider": Measurement("payment.provider", {"kind": kind, **prov}),
              "payment.callbacks": Measurement("payment.callbacks", {"sources": ["endpoint"], "callbacks": cbs, "observed_at": NOW}),
              "payment.notify-url": Measurement("payment.notify-url", {"method": "GET", "base_dns": {"addresses": ["192.0.2.1"]}, "targets": [
                  {"configured": True, "url": "https://shop.example/pay/yipay/notify_url", "scheme": "https", "host": "shop.example",
                   "path": "/pay/yipay/notify_url", "dns": {"addresses": ["192.0.2.1"]}, "status": 200, "reply": "fail", "error": None}]})}
        findings = run_checks(checks, ms, profile, {})
        for fail_on in ("fail", "warn"):
            causes = diagnose(findings, command="payment", options={"fail_on": fail_on})
            if report_status(findings, causes, {"fail_on": fail_on}) == "problem":
                seen += 1
                assert causes, (prov, cbs, st, [(f.id, f.status) for f in findings])
    assert seen > 100


def test_each_provider_judges_every_shape() -> None:
    from urllib.parse import urlencode

    from kmdiag.payment.providers import alipay, epay, wechatpay
    from tests.payment_records.othershop import rsa_pair

    p = epay.notify_params(pid="1", trade_no="T", out_trade_no="K", type="alipay", name="n", money="1", key="k")
    assert epay.verify_callback({"params": p}, "k")["code"] == "valid"
    assert epay.verify_callback({"params": p}, "other")["code"] == "invalid"
    assert epay.verify_callback({"params": {"out_trade_no": "K"}}, "k")["code"] == "unsigned"
    priv, pub = rsa_pair()
    signed = alipay.sign_notify({"out_trade_no": "K", "total_amount": "1.00", "subject": "卡密", "charset": "gbk"}, priv)
    raw = urlencode(signed, encoding="gbk")  # a GBK shop: the raw body decodes in its own charset
    assert alipay.verify_callback({"raw_body": raw}, pub)["code"] == "valid"
    assert alipay.verify_callback({"params": signed}, rsa_pair()[1])["code"] == "invalid"
    key = "0123456789abcdef0123456789abcdef"
    body = '{"resource":' + __import__("json").dumps(wechatpay.encrypt_resource({"out_trade_no": "K"}, key, "abcdefabcdef")) + "}"
    h = {"Wechatpay-Timestamp": "1", "Wechatpay-Nonce": "n", "Wechatpay-Serial": "PUB_KEY_ID_2",
         "Wechatpay-Signature": wechatpay.sign(wechatpay.message("1", "n", body), priv)}
    v = wechatpay.verify_callback({"headers": h, "raw_body": body}, pub, key, "PUB_KEY_ID_1")
    assert (v["signature"], v["decrypted"], v["transaction"]["out_trade_no"], v["serial_mismatch"]) == (True, True, "K", True)
    v = wechatpay.verify_callback({"headers": {}, "raw_body": body}, pub, "f" * 32)
    assert (v["code"], v["decrypt_code"]) == ("headers-missing", "wrong-apiv3-key")  # a CDN stripped them; the key is wrong


def test_kmdiags_own_requests_are_never_callbacks() -> None:
    from kmdiag.probes.payment_callbacks import _own

    assert _own({"params": {"out_trade_no": "KM1", "kmdiag_probe": "1"}})
    assert _own({"user_agent": "kmdiag/0.1.0 (+https://kmdiag)", "params": {}})
    assert not _own({"user_agent": "Mozilla/5.0", "params": {"out_trade_no": "KM1"}})
