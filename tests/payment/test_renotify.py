"""Re-notify: only for provider-confirmed payments; the signed callback completes the lost order."""

from __future__ import annotations

import json

from kmdiag.cli.run import secrets_from_profile
from kmdiag.demo.runtime import DemoShop
from kmdiag.payment.renotify import renotify


def test_cli_renotify_completes_the_lost_order(cli) -> None:
    code, out, err = cli("payment", "--demo", "--fault", "callback-missing", "--renotify", "--yes", "--format", "json")
    res = json.loads(out)
    assert code == 0, err
    assert res["plan"]["kind"] == "callback" and res["plan"]["params"]["sign"] == "[REDACTED]"
    assert res["result"]["accepted"] and res["result"]["order_status_before"] == "unpaid"
    assert res["result"]["order_status_after"] == "completed"
    assert res["diagnosis_after"] == {"status": "ok", "causes": []}  # the second run on the same demo shop


def test_dry_run_sends_nothing(cli) -> None:
    code, out, _ = cli("payment", "--demo", "--fault", "callback-missing", "--renotify", "--dry-run", "--format", "json")
    res = json.loads(out)
    assert code == 0 and res["sent"] is False and "result" not in res


def test_refuses_when_the_provider_has_no_payment(cli) -> None:
    code, out, _ = cli("payment", "--demo", "--fault", "not-paid", "--renotify", "--yes", "--format", "json")
    res = json.loads(out)
    assert code == 1 and res["plan"]["kind"] == "refuse" and res["sent"] is False


def test_asks_before_sending_without_a_terminal(cli) -> None:
    code, _, err = cli("payment", "--demo", "--fault", "callback-missing", "--renotify")
    assert code == 2 and "--yes" in err


def test_second_diagnosis_of_the_same_shop_finds_no_cause() -> None:
    from kmdiag import runner

    demo = DemoShop(["callback-missing"], command="payment").start()
    try:
        profile = demo.profile()
        secrets = secrets_from_profile(profile, dict(demo.secrets))
        oid = demo.vars["order_id"]
        options = {"order_id": oid, "lang": "en", "fail_on": "fail"}

        def diagnose() -> object:
            report, _ = runner.execute("payment", profile, dict(options), budget=20,
                                       prepare=lambda ctx: ctx.state.update(demo=demo), secrets=secrets)
            return report

        before = diagnose()
        assert before.causes[0].id == "payment.callback-missing"  # type: ignore[attr-defined]
        plan, result = renotify(profile, secrets, oid)
        assert plan.kind == "callback" and result is not None and result.order_status_after == "completed"
        after = diagnose()
        assert after.causes == [] and after.status == "ok", [(f.id, f.status) for f in after.findings]  # type: ignore[attr-defined]
    finally:
        demo.stop()


def test_alipay_uses_the_repair_endpoint_or_says_what_to_click(cli) -> None:
    code, out, _ = cli("payment", "--demo", "--fault", "alipay-wrong-key", "--renotify", "--yes", "--format", "json")
    res = json.loads(out)
    assert code == 0 and res["plan"]["kind"] == "repair" and res["result"]["order_status_after"] == "completed"
    assert res["plan"]["headers"]["X-Admin-Token"] == "[REDACTED]"
    demo = DemoShop(["alipay-wrong-key"], command="payment").start()
    try:
        profile = demo.profile()
        profile = profile.model_copy(update={"payment": profile.payment.model_copy(update={"repair_endpoint": None})})
        plan, result = renotify(profile, secrets_from_profile(profile, dict(demo.secrets)), demo.vars["order_id"])
        assert plan.kind == "console" and result is None and "支付宝" in plan.reason.zh
    finally:
        demo.stop()


def test_renotify_output_holds_no_secret(cli, monkeypatch) -> None:
    import secrets

    monkeypatch.setattr(secrets, "token_hex", lambda n=16: "5ecretvalue" + "7" * (2 * n - 11))
    for fmt in ("text", "json"):
        _, out, err = cli("payment", "--demo", "--fault", "callback-missing", "--renotify", "--yes", "--format", fmt)
        assert "5ecretvalue" not in out + err and "completed" in out
