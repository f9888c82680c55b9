"""``kmdiag order --demo --platform acg-faka``: the built-in acg-faka profile against acg-faka 3.6.0 as measured."""

from __future__ import annotations

import pytest

from tests.acgfaka.conftest import cause_ids, cli, share

pytestmark = pytest.mark.usefixtures("_own_journal")


def _order(capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, dict, str]:
    code, report, err = cli(capsys, "order", "--demo", "--platform", "acg-faka", "--format", "json", "--lang", "en",
                            "--timeout", "40", *extra)
    assert report is not None, err
    return code, report, err


def test_healthy_captcha_on_is_no_problem(capsys: pytest.CaptureFixture[str]) -> None:
    code, report, _ = _order(capsys)
    assert cause_ids(report) == []
    assert code == 0
    ids = {c["id"]: c for c in report["checks"]}
    assert ids["browser.captcha"]["status"] == "warn"  # recognised: the final submit was not attempted


def test_healthy_captcha_on_smoke_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    code, report, _ = _order(capsys, "--smoke")
    assert cause_ids(report) == []
    assert code == 0


def test_healthy_captcha_off_is_no_problem(capsys: pytest.CaptureFixture[str]) -> None:
    code, report, _ = _order(capsys, "--fault", "captcha-off", "--smoke")
    assert cause_ids(report) == []
    assert code == 0


def test_healthy_captcha_off_without_smoke_names_only_the_shoppers_browser(capsys: pytest.CaptureFixture[str]) -> None:
    # The contract: a clean browser orders fine while everything else is healthy -> client.browser-state,
    # by elimination; never a shop-side cause.
    code, report, _ = _order(capsys, "--fault", "captcha-off")
    assert cause_ids(report) == ["client.browser-state"]
    assert code == 1


def test_sold_out(capsys: pytest.CaptureFixture[str]) -> None:
    code, report, _ = _order(capsys, "--fault", "sold-out")
    assert cause_ids(report)[0] == "platform.sold-out"
    assert not [c for c in cause_ids(report) if c.startswith("frontend.")]  # never the theme
    assert code == 1


def test_members_only_with_an_expired_session(capsys: pytest.CaptureFixture[str]) -> None:
    code, report, _ = _order(capsys, "--fault", "members-only")
    assert cause_ids(report)[0] == "account.not-logged-in"
    assert code == 1
    assert "登录会话过期" in report["causes"][0]["explanation"]


def test_banned_member_reads_like_an_expired_session_and_the_report_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    code, report, _ = _order(capsys, "--fault", "member-banned")
    top = report["causes"][0]
    assert top["id"] == "account.not-logged-in"
    assert code == 1
    assert "banned" in top["explanation"] and "cannot tell" in top["explanation"]
    user_steps = [s["text"] for s in top["next_steps"] if s["audience"] == "user"]
    assert any("您已被封禁" in s for s in user_steps)


def test_signed_in_member_has_no_cause_and_no_account_cause(capsys: pytest.CaptureFixture[str]) -> None:
    # One run for both: no cause at all, and the account layer itself passes.
    code, report, _ = _order(capsys, "--fault", "member-signed-in")
    assert cause_ids(report) == []
    assert code == 0
    assert not [c for c in cause_ids(report) if c.startswith("account.")]
    checks = {c["id"]: c["status"] for c in report["checks"]}
    assert checks["account.logged-in"] == "pass"


@pytest.fixture(scope="module")
def captcha_off_shop() -> object:
    from kmdiag.demo.acgfaka.mode import AcgFakaDemo

    d = AcgFakaDemo(["captcha-off"], "order").start()
    yield d
    d.stop()


def test_many_order_runs_leave_no_order_row_and_no_log_line(capsys: pytest.CaptureFixture[str],
                                                              monkeypatch: pytest.MonkeyPatch, captcha_off_shop: object) -> None:
    d = captcha_off_shop
    share(monkeypatch, d)
    log_before = d.store.runtime_log.read_text(encoding="utf-8")
    for _ in range(4):
        code, report, _ = _order(capsys, "--skip", "network")
        assert code in (0, 1), report
    assert d.store.order_rows() == 0
    assert d.store.runtime_log.read_text(encoding="utf-8") == log_before
    # acg-faka's kernel ignores the method: nothing of kmdiag's may reach the order controller at all.
    trade = [ln for ln in d.store.request_log.read_text(encoding="utf-8").splitlines() if "/user/api/order/trade" in ln]
    assert trade == []
