"""The session token is a secret: it appears in no report format and in no evidence file.

Two ways in are covered: the demo's own token (pinned so the test knows what to look for) and a
user's token arriving through an environment variable, named by --token-env, for a profile file.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

from kmdiag.render import FORMATS

TOKEN = "kmTok_9f8e7d6c5b4a39281706fedcbaZZ"


def _renderer_exists(fmt: str) -> bool:
    from kmdiag.render import _MODULES

    try:
        importlib.import_module(_MODULES[fmt])
    except ImportError:
        return False
    return True


def _spellings(token: str) -> set[str]:
    return {token, quote(token, safe=""), quote_plus(token)}


def _assert_absent(text: str | bytes, where: str) -> None:
    data = text.encode() if isinstance(text, str) else text
    for s in _spellings(TOKEN):
        assert s.encode() not in data, f"the session token leaked into {where}"


@pytest.fixture
def pinned_demo_token(monkeypatch: pytest.MonkeyPatch) -> str:
    from kmdiag.demo import accounts

    monkeypatch.setattr(accounts, "new_token", lambda: TOKEN)
    return TOKEN


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("fault", ["risk-blocked", "not-logged-in"])
def test_demo_token_in_no_output_format(cli, pinned_demo_token: str, fmt: str, fault: str) -> None:
    if not _renderer_exists(fmt):
        pytest.skip(f"the {fmt} renderer does not exist yet")
    code, out, err = cli("order", "--demo", "--fault", fault, "--only", "network,platform,account", "--format", fmt)
    assert code == 1, err
    _assert_absent(out, f"--format {fmt}")
    _assert_absent(err, "stderr")


def test_demo_token_in_no_evidence_file(cli, pinned_demo_token: str, tmp_path: Path) -> None:
    ev = tmp_path / "evidence"
    out_file = tmp_path / "report.txt"
    code, out, err = cli("order", "--demo", "--fault", "risk-blocked", "--only", "network,platform,account",
                         "--evidence", str(ev), "--output", str(out_file))
    assert code == 1, err
    files = [p for p in ev.rglob("*") if p.is_file()]
    assert files, "the evidence bundle is empty"
    for p in files:
        _assert_absent(p.read_bytes(), f"evidence file {p.name}")
    _assert_absent(out_file.read_bytes(), "--output file")
    _assert_absent(out + err, "console")


@pytest.mark.browser
def test_demo_token_absent_with_browser_evidence(cli, pinned_demo_token: str, tmp_path: Path) -> None:
    """With the browser layer the session cookie travels in HAR/trace/console: still nowhere in the bundle."""
    from tests.account.test_demo_faults import _chromium_available

    if not _chromium_available():
        pytest.skip("Chromium is not installed")
    ev = tmp_path / "evidence"
    code, out, err = cli("order", "--demo", "--fault", "risk-blocked", "--evidence", str(ev), "--format", "json",
                         "--timeout", "40")
    _assert_absent(out + err, "console")
    for p in (p for p in ev.rglob("*") if p.is_file()):
        _assert_absent(p.read_bytes(), f"evidence file {p.name}")


def test_user_token_from_named_env_var_is_used_and_hidden(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """--token-env NAME: the token is read from NAME, sent, and redacted from every output."""
    from tests.account.test_platforms import code_style_platform, write_profile

    with code_style_platform() as (base, seen):
        profile = write_profile(tmp_path, base, "code")
        monkeypatch.setenv("MY_SHOP_SESSION", TOKEN)
        monkeypatch.delenv("KMDIAG_TOKEN", raising=False)
        for fmt in ("json", "text"):
            code, out, err = cli("order", "--profile", str(profile), "--only", "account", "--token-env",
                                 "MY_SHOP_SESSION", "--format", fmt)
            _assert_absent(out + err, f"--format {fmt}")
        assert any(TOKEN in h for h in seen), "the token was not sent to the account API"
        report = json.loads(cli("order", "--profile", str(profile), "--only", "account", "--token-env",
                                "MY_SHOP_SESSION", "--format", "json")[1])
        assert report["causes"][0]["id"] == "account.risk-blocked"
