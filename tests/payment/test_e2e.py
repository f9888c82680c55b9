"""End to end through the CLI: every demo payment story gives its cause first, with the right exit code."""

from __future__ import annotations

import json

import pytest

FAULTS = {f: f"payment.{f}" for f in (
    "not-paid", "callback-missing", "callback-url-wrong", "callback-endpoint-down", "signature-invalid",
    "amount-mismatch", "order-expired", "state-stuck", "slow-processing", "secondary-review", "delivery-failed",
    "retry-pending")} | {"alipay-wrong-key": "payment.signature-invalid", "wechatpay-apiv3-key-wrong": "payment.signature-invalid"}


# The per-fault runs are the session's shared ones (tests/conftest.py ``demo_fault_runs``: the same
# ``kmdiag payment --demo [--fault F] --format json`` through the real CLI, in Chinese): each story is
# diagnosed once per session and every area asserts on that run.


def test_healthy_payment_has_no_cause(demo_fault_runs) -> None:
    run = demo_fault_runs[("payment", None)]
    code, report, err = run.code, run.json(), run.err
    assert code == 0, (err, [(c["id"], c["status"], c["summary"]) for c in report["checks"]])
    assert report["causes"] == [] and report["status"] == "ok"


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_fault_gives_its_cause(demo_fault_runs, fault: str) -> None:
    run = demo_fault_runs[("payment", fault)]
    code, report, err = run.code, run.json(), run.err
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


def test_chinese_report(demo_fault_runs) -> None:
    run = demo_fault_runs[("payment", "retry-pending")]  # a --lang zh --format json run
    code, r = run.code, run.json()
    assert code == 1 and "重试" in r["causes"][0]["title"]


def test_alipay_scenario_queries_and_verifies_with_the_alipay_key(cli) -> None:
    code, out, _ = cli("payment", "--demo", "--fault", "alipay-wrong-key", "--format", "json")
    checks = {c["id"]: c for c in json.loads(out)["checks"]}
    assert checks["payment.provider-paid"]["status"] == "pass"  # signed alipay.trade.query, verified answer
    assert checks["payment.callback-signature"]["evidence"]["checked"] == 1  # RSA2 POST notify verified by kmdiag
    assert checks["payment.callback-signature"]["evidence"]["invalid"] == 0
