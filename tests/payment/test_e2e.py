"""End to end through the CLI: every demo payment story gives its cause first, with the right exit code."""

from __future__ import annotations

import json

import pytest

FAULTS = {f: f"payment.{f}" for f in (
    "not-paid", "callback-missing", "callback-url-wrong", "callback-endpoint-down", "signature-invalid",
    "amount-mismatch", "order-expired", "state-stuck", "slow-processing", "secondary-review", "delivery-failed",
    "retry-pending")} | {"alipay-wrong-key": "payment.signature-invalid", "wechatpay-apiv3-key-wrong": "payment.signature-invalid"}


def test_healthy_payment_has_no_cause(cli) -> None:
    code, out, err = cli("payment", "--demo", "--format", "json")
    report = json.loads(out)
    assert code == 0, (err, [(c["id"], c["status"], c["summary"]) for c in report["checks"]])
    assert report["causes"] == [] and report["status"] == "ok"


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_fault_gives_its_cause(cli, fault: str) -> None:
    code, out, err = cli("payment", "--demo", "--fault", fault, "--format", "json")
    report = json.loads(out)
    assert report["causes"], (err, [(c["id"], c["status"], c["summary"]) for c in report["checks"]])
    assert report["causes"][0]["id"] == FAULTS[fault]
    assert code == 1
    steps = {s["audience"] for s in report["causes"][0]["next_steps"]}
    assert {"user", "agent", "operator"} <= steps


def test_every_fault_is_registered_with_its_expected_cause() -> None:
    from kmdiag.demo.faults import for_command
    from kmdiag.demo.runtime import load_modules

    load_modules()
    faults = for_command("payment")
    assert sorted(faults) == sorted(FAULTS)
    assert all(f.expect == FAULTS[n] for n, f in faults.items())


def test_no_secret_in_any_output(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    import secrets

    monkeypatch.setattr(secrets, "token_hex", lambda n=16: "5ecretvalue" + "7" * (2 * n - 11))
    for fmt in ("json", "text", "markdown"):
        for fault in ("signature-invalid", "callback-url-wrong"):
            _, out, err = cli("payment", "--demo", "--fault", fault, "--format", fmt, "--lang", "zh")
            assert "5ecretvalue" not in out + err


def test_chinese_report(cli) -> None:
    code, out, _ = cli("payment", "--demo", "--fault", "retry-pending", "--lang", "zh", "--format", "json")
    r = json.loads(out)
    assert code == 1 and "重试" in r["causes"][0]["title"]


def test_alipay_scenario_queries_and_verifies_with_the_alipay_key(cli) -> None:
    code, out, _ = cli("payment", "--demo", "--fault", "alipay-wrong-key", "--format", "json")
    checks = {c["id"]: c for c in json.loads(out)["checks"]}
    assert checks["payment.provider-paid"]["status"] == "pass"  # signed alipay.trade.query, verified answer
    assert checks["payment.callback-signature"]["evidence"]["checked"] == 1  # RSA2 POST notify verified by kmdiag
    assert checks["payment.callback-signature"]["evidence"]["invalid"] == 0
