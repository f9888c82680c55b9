"""Account checks and causes on literal measurements: no network, no demo."""

from __future__ import annotations

from typing import Any

import pytest

from kmdiag import plugins, registry
from kmdiag.checks._account_map import as_bool, interpret, match_code, order_answers, same_region
from kmdiag.diagnosis import diagnose
from kmdiag.models import Measurement, Status
from kmdiag.profile.loader import parse_profile
from kmdiag.runner import run_checks

PROFILE = parse_profile("""
name: t
base_url: https://shop.test/
order:
  order_request: "POST /api/orders"
  error_codes: {"库存不足": platform.down}
account:
  endpoint: /api/user/me
  fields:
    logged_in: "code == `0`"
    identity_verified: "data.realname_verified"
    risk_blocked: "data.risk_level >= `3`"
    login_region: "data.last_login.region"
    usual_region: "data.usual_region"
    order_allowed: "data.can_order"
  error_codes: {"1003": account.risk-blocked, "实名": account.identity-unverified, "http:419": account.not-logged-in}
""")


def me(data: dict[str, Any] | None = None, status: int = 200, **kw: Any) -> dict[str, Any]:
    body = {"code": 0, "data": {"realname_verified": True, "risk_level": 0, "last_login": {"region": "浙江 杭州"},
                                "usual_region": "浙江 杭州", "can_order": True, **(data or {})}}
    return {"status": status, "json": True, "body": kw.pop("body", body), **kw}


def run(measurements: dict[str, dict[str, Any]]) -> tuple[dict[str, Status], list[str]]:
    plugins.load_builtins()
    ms = {k: Measurement(k, data=v) for k, v in measurements.items()}
    checks = [c for c in registry.CHECKS.values() if c.layer == "account"]
    findings = run_checks(checks, ms, PROFILE, {})
    causes = diagnose(findings, command="order")
    return {f.id: f.status for f in findings}, [c.id for c in causes]


def test_healthy_account() -> None:
    status, causes = run({"account.me": me()})
    assert status["account.logged-in"] == Status.PASS and status["account.risk"] == Status.PASS
    assert status["account.order-rejection"] == Status.SKIP  # nothing was ordered
    assert causes == []


@pytest.mark.parametrize(("answer", "cause"), [
    (me(status=401, body={"code": 401, "msg": "登录已过期"}), "account.not-logged-in"),
    (me(body={"code": 10001, "msg": "token invalid"}), "account.not-logged-in"),
    ({"status": 302, "json": False, "body": None, "headers": {"location": "/user/login?goto=/"}}, "account.not-logged-in"),
    ({"status": 200, "json": False, "body": None, "text": '<form><input type="password" name=pw></form>'},
     "account.not-logged-in"),
    (me({"risk_level": 4, "can_order": False}), "account.risk-blocked"),
    (me({"realname_verified": False, "can_order": False}), "account.identity-unverified"),
    (me({"last_login": {"region": "广东 深圳"}, "can_order": False}), "account.remote-login"),
    (me({"can_order": False}), "account.risk-blocked"),  # refused without a reason
    (me(body={"code": 1003, "msg": "账户存在风险"}), "account.risk-blocked"),
])
def test_account_answer_to_cause(answer: dict[str, Any], cause: str) -> None:
    _, causes = run({"account.me": answer})
    assert causes[:1] == [cause]


def test_unreachable_account_api_is_error_not_a_cause() -> None:
    status, causes = run({"account.me": {"error": "connection refused", "error_type": "connect"}})
    assert status["account.logged-in"] == Status.ERROR
    assert causes == []


def test_browser_recorded_refusal_names_the_cause() -> None:
    """The browser's order record (code + message only) is enough, whatever the browser probe is called."""
    browser = {"order_requests": [
        {"phase": "click", "status": 200, "json_code": 1003, "json_msg": "账户存在风险，暂时无法下单", "intercepted": False},
        {"phase": "dblclick", "intercepted": True},
    ]}
    status, causes = run({"account.me": me(), "browser.page": browser})
    assert status["account.order-rejection"] == Status.FAIL
    assert causes[:1] == ["account.risk-blocked"]


def test_order_refusal_for_other_reason_is_a_warning() -> None:
    attempt = {"status": 200, "json": True, "body": {"code": 422, "msg": "请填写联系方式"}}
    status, causes = run({"account.me": me(), "account.order-attempt": attempt})
    assert status["account.order-rejection"] == Status.WARN and causes == []


def test_account_cause_explains_front_end_symptom(monkeypatch: pytest.MonkeyPatch) -> None:
    """A silently disabled button on a held account: the account cause ranks first, the page is explained."""
    from kmdiag.i18n import T
    from kmdiag.registry import Match

    plugins.load_builtins()
    fake = "frontend.test-silent-button"
    spec = registry.CauseSpec(fake, "frontend", 52, T(zh="按钮被禁用", en="button disabled"), T(zh="x", en="x"), (),
                              lambda idx: Match(0.95, ["browser.button-enabled"]))
    monkeypatch.setitem(registry.CAUSES, fake, spec)
    ms = {"account.me": Measurement("account.me", data=me({"risk_level": 4, "can_order": False}))}
    checks = [c for c in registry.CHECKS.values() if c.layer == "account"]
    found = diagnose(run_checks(checks, ms, PROFILE, {}), command="order")
    assert found[0].id == "account.risk-blocked"
    fe = next(c for c in found if c.id == fake)
    assert fe.explained_by == "account.risk-blocked" and fe.confidence < found[0].confidence


def test_match_code_order_and_kinds() -> None:
    assert match_code({"status": 200, "body": {"code": 1003, "msg": "x"}}, [PROFILE.account.error_codes])["cause"] == \
        "account.risk-blocked"
    assert match_code({"status": 200, "body": {"code": 0, "msg": "请先完成实名认证"}},
                      [PROFILE.account.error_codes])["key"] == "实名"
    assert match_code({"status": 419, "body": None, "text": "Page Expired"},
                      [PROFILE.account.error_codes])["cause"] == "account.not-logged-in"
    assert match_code({"status": 200, "body": {"code": 0, "msg": "ok"}}, [PROFILE.account.error_codes]) is None


def test_interpret_ignores_fields_on_error_bodies() -> None:
    v = interpret({"status": 403, "json": True, "body": {"error": "nope"}}, PROFILE)
    assert v["identity_verified"] is None and v["forbidden"] is True


def test_helpers() -> None:
    assert as_bool("已实名") is True and as_bool(0) is False and as_bool(None) is None
    assert same_region("浙江 杭州", "浙江") and not same_region("广东 深圳", "浙江 杭州")
    assert order_answers({}) == []


def test_checks_never_import_io_libraries() -> None:
    import ast
    from pathlib import Path

    import kmdiag.checks.account as mod

    for path in (Path(mod.__file__), Path(mod.__file__).with_name("_account_map.py"),
                 Path(mod.__file__).parent.parent / "causes" / "account.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        names |= {(n.module or "").split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        assert not names & {"httpx", "socket", "dns", "playwright", "ssl", "requests"}, path


def test_waf_block_page_is_not_an_account_verdict() -> None:
    """An HTML 403 from a CDN/WAF says nothing about the account: could not judge, no account cause."""
    status, causes = run({"account.me": {"status": 403, "json": False, "body": None, "text": "<h1>Access denied</h1>"}})
    assert status["account.logged-in"] == Status.ERROR
    assert not [c for c in causes if c.startswith("account.")]
