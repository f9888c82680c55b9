"""Where the session token comes from, and when kmdiag may ask for it."""

from __future__ import annotations

import io
from typing import Any

import pytest

from kmdiag import session
from kmdiag.profile.loader import parse_profile

PROFILE = parse_profile("""
name: t
base_url: https://shop.test:8443/
account:
  token_env: SHOP_TOKEN
  send_as: {cookie: km_session}
  endpoint: /api/user/me
""")
NO_ENDPOINT = parse_profile("name: g\nbase_url: https://shop.test/\n")


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_name_resolution_order() -> None:
    assert session.token_env_name(PROFILE, {"token_env": "OTHER"}) == "OTHER"
    assert session.token_env_name(PROFILE, {}) == "SHOP_TOKEN"
    assert session.token_env_name(NO_ENDPOINT, {}) == session.DEFAULT_TOKEN_ENV


def test_env_token_wins_and_never_prompts() -> None:
    def ask(prompt: str) -> str:
        raise AssertionError("must not ask when the variable is set")

    assert session.collect_token(PROFILE, {"SHOP_TOKEN": "abc123"}, {}, ask=ask) == {"SHOP_TOKEN": "abc123"}
    assert session.collect_token(PROFILE, {"OTHER": "zzz999"}, {"token_env": "OTHER"}, ask=ask) == {"OTHER": "zzz999"}


@pytest.mark.parametrize(("fmt", "environ", "kw"), [
    ("json", {}, {}),
    ("markdown", {}, {}),
    (None, {"CI": "true"}, {}),
    (None, {}, {"demo": True}),
    (None, {}, {"layers": ["network", "platform"]}),
    (None, {}, {"command": "payment"}),
])
def test_no_prompt_when_nobody_can_answer(monkeypatch: pytest.MonkeyPatch, fmt: str | None, environ: dict[str, str],
                                          kw: dict[str, Any]) -> None:
    monkeypatch.setattr(session.sys, "stdin", _Tty())
    monkeypatch.setattr(session.sys, "stderr", _Tty())
    monkeypatch.setattr("getpass.getpass", lambda *a, **k: pytest.fail("prompted"))
    assert session.collect_token(PROFILE, environ, {}, fmt=fmt, **kw) == {}


def test_no_prompt_without_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("getpass.getpass", lambda *a, **k: pytest.fail("prompted"))
    assert session.collect_token(PROFILE, {}, {}) == {}  # pytest's stdin is not a terminal


def test_no_prompt_without_account_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(session.sys, "stdin", _Tty())
    monkeypatch.setattr(session.sys, "stderr", _Tty())
    monkeypatch.setattr("getpass.getpass", lambda *a, **k: pytest.fail("prompted"))
    assert session.collect_token(NO_ENDPOINT, {}, {}) == {}


def test_hidden_prompt_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []
    monkeypatch.setattr(session.sys, "stdin", _Tty())
    monkeypatch.setattr(session.sys, "stderr", _Tty())
    monkeypatch.setattr("getpass.getpass", lambda prompt, stream=None: asked.append(prompt) or "  typed-token  ")
    assert session.collect_token(PROFILE, {}, {}, lang="zh") == {"SHOP_TOKEN": "typed-token"}
    assert asked and "SHOP_TOKEN" in asked[0] and "typed-token" not in asked[0]
    monkeypatch.setattr("getpass.getpass", lambda prompt, stream=None: "")
    assert session.collect_token(PROFILE, {}, {}) == {}  # Enter skips


def test_typed_token_joins_the_redactor(monkeypatch: pytest.MonkeyPatch, tmp_path, capsys) -> None:
    """The prompt path ends in the same place as the env path: the run's secrets and its Redactor."""
    from kmdiag.cli import run as run_mod

    seen: dict[str, Any] = {}

    def fake_execute(command, profile, options, *, budget, layers, progress, prepare, secrets):  # noqa: ANN001
        from kmdiag.probes import ProbeContext

        ctx = ProbeContext(profile=profile, options=options, deadline=0, secrets=dict(secrets))
        prepare(ctx)
        seen["secrets"] = dict(secrets)
        seen["redactor"] = ctx.state["redactor"]
        raise SystemExit(0)

    monkeypatch.setattr("kmdiag.runner.execute", fake_execute)
    monkeypatch.setattr(session.sys, "stdin", _Tty())
    monkeypatch.setattr(session.sys, "stderr", _Tty())
    monkeypatch.setattr("getpass.getpass", lambda prompt, stream=None: "typed-secret-xyz")
    monkeypatch.delenv("SHOP_TOKEN", raising=False)
    for var in session._CI_VARS:  # CI itself sets CI=true: the prompt is only for a person
        monkeypatch.delenv(var, raising=False)
    p = tmp_path / "p.yaml"
    p.write_text("name: t\nbase_url: https://shop.test/\naccount: {token_env: SHOP_TOKEN, endpoint: /me}\n")
    with pytest.raises(SystemExit):
        run_mod.run_diagnosis(run_mod.RunOptions(command="order", profile=str(p)))
    assert seen["secrets"] == {"SHOP_TOKEN": "typed-secret-xyz"}
    assert "typed-secret-xyz" not in seen["redactor"].text("cookie typed-secret-xyz here")


def test_send_as_and_browser_cookie() -> None:
    headers, cookies = session.auth_parts(PROFILE.account.send_as, "t0k3n")
    assert cookies == {"km_session": "t0k3n"} and headers == {}
    jar, hdrs = session.browser_session(PROFILE, {"SHOP_TOKEN": "t0k3n"})
    assert jar == [{"name": "km_session", "value": "t0k3n", "url": "https://shop.test:8443/", "httpOnly": True,
                    "secure": True, "sameSite": "Lax"}] and hdrs == {}
    bearer = parse_profile("name: b\nbase_url: https://s.test/\naccount: {endpoint: /me}\n")
    assert session.auth_parts(bearer.account.send_as, "t0k3n") == ({"Authorization": "Bearer t0k3n"}, {})
    assert session.browser_session(bearer, {}) == ([], {})
