"""Built-in profiles validate; mistakes in a profile give file:line and exit code 2."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kmdiag.profile.loader import builtin_profiles, load_profile

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = {"demo"}  # filled with the demo's ports at start-up; validated through DemoShop below


@pytest.mark.parametrize("name", sorted(set(builtin_profiles()) - TEMPLATES))
def test_builtin_profile_validates(cli, name: str) -> None:
    code, out, err = cli("profiles", "validate", name)
    assert code == 0, err
    assert f"{name}: ok" in out


def test_every_yaml_in_profiles_dir_is_builtin() -> None:
    assert {p.stem for p in (ROOT / "profiles").glob("*.yaml")} == set(builtin_profiles())
    assert {"dujiaoka", "acg-faka", "generic", "demo"} <= set(builtin_profiles())


def test_demo_profile_validates_once_filled(demo_shop) -> None:
    p = demo_shop.profile()
    assert p.account.token_env == "KMDIAG_TOKEN" and p.account.send_as.cookie == "km_session"
    assert p.account.endpoint == "/api/user/me"


def test_platform_facts() -> None:
    acg = load_profile("acg-faka")
    assert acg.order.button == ".pay-list a.pay[data-id]" and acg.order.captcha == "input[name=captcha]"
    assert acg.order.order_request == "POST /user/api/order/trade" and acg.order.product_url.startswith("/item/")
    assert acg.account.send_as.cookie == "USER_SESSION"  # reference §7.1: ACG-SHOP is only the PHP session
    assert acg.payment.status_map == {"0": "unpaid", "1": "completed"}
    assert "/user/api/order/callback." in (acg.payment.notify_url or "")
    # 3.6.0 sends two refusals; a ban reads like an expired session, and the profile says so
    assert set(acg.account.error_codes.values()) == {"account.not-logged-in"}
    assert acg.account.indistinct[0].also == ["account.risk-blocked"] and acg.account.indistinct[0].tell_by == "您已被封禁"
    dj = load_profile("dujiaoka")
    assert dj.order.order_request == "POST /create-order" and dj.order.product_url.startswith("/buy/")
    assert dj.payment.status_map["-1"] == "expired" and dj.payment.status_map["6"] == "abnormal"
    assert dj.payment.provider.notify_method == "GET" and (dj.payment.notify_url or "").endswith("/pay/yipay/notify_url")
    assert dj.account.endpoint is None  # guest checkout: no shopper account to ask about


def _broken_copy(tmp_path: Path, name: str, old: str, new: str) -> tuple[Path, int]:
    text = (ROOT / "profiles" / f"{name}.yaml").read_text(encoding="utf-8")
    assert old in text
    text = text.replace(old, new, 1)
    line = text[: text.index(new)].count("\n") + 1
    p = tmp_path / f"{name}-broken.yaml"
    p.write_text(text, encoding="utf-8")
    return p, line


@pytest.mark.parametrize(("old", "new", "says"), [
    ("  endpoint: /user/api/bill/data", "  endpiont: /user/api/bill/data", "did you mean 'endpoint'"),
    ('    logged_in: "code == `200`"', '    logged_in: "code == "', "JMESPath"),
    ("also: [account.risk-blocked]", "also: [risk blocked]", "cause id"),
    ("  method: POST", "  method: PUT", "method"),
])
def test_typo_gives_file_line_and_exit_2(cli, tmp_path: Path, old: str, new: str, says: str) -> None:
    path, line = _broken_copy(tmp_path, "acg-faka", old, new)
    code, out, err = cli("profiles", "validate", str(path))
    assert code == 2
    first = err.strip().splitlines()[0]
    assert re.match(rf"^{re.escape(str(path))}:{line}: ", first), (first, line)
    assert says in first
    assert "Traceback" not in err


def test_typo_stops_a_run_with_exit_2(cli, tmp_path: Path) -> None:
    path, line = _broken_copy(tmp_path, "dujiaoka", "  order_request:", "  order_requests:")
    code, out, err = cli("order", "--profile", str(path), "--format", "json")
    assert code == 2 and f":{line}:" in err and "order_requests" in err
