"""Two platform dialects, served from loopback apps: one answers ``{"code": 0, "data": {...}}`` (and
says no with HTTP 200 + a code), one speaks HTTP status codes (401 / 403). Each is described only by
its profile; the same probes, checks and causes read both.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from kmdiag.demo.http import App, Request, Response, Server

USERS = {
    "ok": {"verified": True, "risk": 0, "region": "浙江 杭州", "home": "浙江 杭州"},
    "risk": {"verified": True, "risk": 5, "region": "浙江 杭州", "home": "浙江 杭州"},
    "unverified": {"verified": False, "risk": 0, "region": "浙江 杭州", "home": "浙江"},
    "remote": {"verified": True, "risk": 0, "region": "海外 新加坡", "home": "浙江 杭州"},
}


@contextmanager
def code_style_platform(tokens: dict[str, str] | None = None) -> Iterator[tuple[str, list[str]]]:
    """``GET /api/member/info`` with ``Authorization: Bearer``; refusals are HTTP 200 + code 10001."""
    tokens = tokens or {f"tok-{k}": k for k in USERS} | {"kmTok_9f8e7d6c5b4a39281706fedcbaZZ": "risk"}
    app, seen = App(), []

    @app.route("GET", "/api/member/info")
    def me(req: Request) -> Response:
        auth = req.headers.get("authorization", "")
        seen.append(auth)
        kind = tokens.get(auth.removeprefix("Bearer ").strip())
        if kind is None:
            return Response.json({"code": 10001, "msg": "请先登录", "data": None})
        u = USERS[kind]
        return Response.json({"code": 0, "msg": "success", "data": {
            "certified": u["verified"], "risk": {"level": u["risk"]}, "login": {"city": u["region"]},
            "home_city": u["home"]}})

    server = Server(app)
    try:
        yield f"http://127.0.0.1:{server.port}/", seen
    finally:
        server.close()


@contextmanager
def status_style_platform() -> Iterator[tuple[str, list[str]]]:
    """``GET /v2/me`` with cookie ``sid``: 401 unknown session, 403 suspended account, 200 otherwise."""
    app, seen = App(), []

    @app.route("GET", "/v2/me")
    def me(req: Request) -> Response:
        sid = req.cookie("sid") or ""
        seen.append(sid)
        kind = {f"sid-{k}": k for k in USERS}.get(sid)
        if kind is None:
            return Response.json({"error": "unauthorized"}, 401)
        if kind == "risk":
            return Response.json({"error": "account_suspended", "message": "Account suspended by risk control"}, 403)
        u = USERS[kind]
        return Response.json({"id": 7, "kyc": "passed" if u["verified"] else "none", "country": u["region"],
                              "usual_country": u["home"]})

    server = Server(app)
    try:
        yield f"http://127.0.0.1:{server.port}/", seen
    finally:
        server.close()


PROFILES = {
    "code": """
name: code-style
base_url: {base}
platform: {{health_path: null}}
account:
  send_as: {{header: Authorization, template: "Bearer {{token}}"}}
  endpoint: /api/member/info
  fields:
    logged_in: "code == `0`"
    identity_verified: "data.certified"
    risk_blocked: "data.risk.level >= `3`"
    login_region: "data.login.city"
    usual_region: "data.home_city"
    message: "msg"
  error_codes: {{"10001": account.not-logged-in}}
""",
    "status": """
name: status-style
base_url: {base}
platform: {{health_path: null}}
account:
  send_as: {{cookie: sid}}
  endpoint: /v2/me
  fields:
    identity_verified: "kyc == 'passed'"
    login_region: "country"
    usual_region: "usual_country"
  error_codes: {{"suspended": account.risk-blocked}}
""",
}


def write_profile(tmp: Path, base: str, style: str, *, error_codes: bool = True) -> Path:
    text = PROFILES[style].format(base=base)
    if not error_codes:
        text = "\n".join(line for line in text.splitlines() if "error_codes" not in line)
    p = tmp / f"{style}.yaml"
    p.write_text(text, encoding="utf-8")
    return p


CASES = [
    ("code", "tok-ok", None),
    ("code", "tok-nobody", "account.not-logged-in"),
    ("code", "tok-risk", "account.risk-blocked"),
    ("code", "tok-unverified", "account.identity-unverified"),
    ("code", "tok-remote", "account.remote-login"),
    ("status", "sid-ok", None),
    ("status", "sid-nobody", "account.not-logged-in"),
    ("status", "sid-risk", "account.risk-blocked"),
    ("status", "sid-unverified", "account.identity-unverified"),
    ("status", "sid-remote", "account.remote-login"),
]


@pytest.mark.parametrize(("style", "token", "expect"), CASES)
def test_platform_dialects(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, style: str, token: str,
                           expect: str | None) -> None:
    platform = code_style_platform if style == "code" else status_style_platform
    with platform() as (base, seen):
        profile = write_profile(tmp_path, base, style)
        monkeypatch.setenv("KMDIAG_TOKEN", token)
        code, out, err = cli("order", "--profile", str(profile), "--only", "account", "--format", "json")
    report = json.loads(out)
    ids = [c["id"] for c in report["causes"]]
    assert seen, "the account API was never called"
    if expect is None:
        assert ids == [] and code == 0, (ids, report["checks"])
    else:
        assert ids and ids[0] == expect, (ids, report["checks"])
        assert code == 1, err


def test_unexplained_403_is_a_likely_risk_hold(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A 403 the profile does not explain: risk control is the likeliest reading, with less confidence."""
    with status_style_platform() as (base, _):
        profile = write_profile(tmp_path, base, "status", error_codes=False)
        monkeypatch.setenv("KMDIAG_TOKEN", "sid-risk")
        code, out, _ = cli("order", "--profile", str(profile), "--only", "account", "--format", "json")
    top = json.loads(out)["causes"][0]
    assert top["id"] == "account.risk-blocked" and top["confidence"] < 0.9
    assert code == 1


def test_no_token_skips_account_and_the_run_goes_on(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with code_style_platform() as (base, seen):
        profile = write_profile(tmp_path, base, "code")
        monkeypatch.delenv("KMDIAG_TOKEN", raising=False)
        code, out, err = cli("order", "--profile", str(profile), "--only", "account", "--format", "json",
                             "--lang", "en")
        assert not seen, "no token: the account API must not be called"
    report = json.loads(out)
    account = [c for c in report["checks"] if c["layer"] == "account"]
    assert account and all(c["status"] == "skip" for c in account), account
    me = next(c for c in account if c["id"] == "account.logged-in")
    assert "KMDIAG_TOKEN" in me["summary"] and "logged in" in me["summary"]
    assert report["causes"] == []
    assert code in (0, 3), err  # nothing else ran here: inconclusive, never a usage error


def test_no_token_does_not_stop_other_layers(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with code_style_platform() as (base, _):
        profile = write_profile(tmp_path, base, "code")
        monkeypatch.delenv("KMDIAG_TOKEN", raising=False)
        code, out, err = cli("order", "--profile", str(profile), "--only", "network,platform,account",
                             "--format", "json", "--timeout", "10")
    report = json.loads(out)
    assert code != 2, err
    assert all(c["status"] == "skip" for c in report["checks"] if c["layer"] == "account")
    assert not [c for c in report["causes"] if c["id"].startswith("account.")]


@contextmanager
def acg_faka_like() -> Iterator[str]:
    """acg-faka 3.6.0's UserSession interceptor (reference §7.1): the session is the USER_SESSION cookie, and
    there are exactly two refusals, both HTTP 200 code 0 — a foreign Referer, and everything else (no, bad or
    expired session, and a banned member) as 登录会话过期."""
    app = App()

    @app.route("POST", "/user/api/bill/data")
    def bill(req: Request) -> Response:
        host = req.headers.get("host", "").split(":")[0]
        ref = req.headers.get("referer")
        if ref and host not in ref:
            return Response.json({"code": 0, "msg": "当前页面会话失效，请刷新网页.."})
        if req.cookie("USER_SESSION") == "ok":
            return Response.json({"code": 200, "msg": "success", "data": {"list": [], "total": 0}})
        return Response.json({"code": 0, "msg": "登录会话过期，请重新登录.."})  # expired, bad, banned alike

    server = Server(app)
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.close()


@pytest.mark.parametrize(("cookie", "expect"), [
    ("ok", None),
    ("expired", "account.not-logged-in"),
    ("banned", "account.not-logged-in"),  # a banned member reads exactly like an expired session in 3.6.0
])
def test_builtin_acg_faka_profile_reads_usersession_refusals(cli, monkeypatch: pytest.MonkeyPatch, cookie: str,
                                                             expect: str | None) -> None:
    with acg_faka_like() as origin:
        monkeypatch.setenv("KMDIAG_TOKEN", cookie)
        code, out, err = cli("order", "--profile", "acg-faka", f"{origin}/item/1", "--only", "account",
                             "--format", "json")
    ids = [c["id"] for c in json.loads(out)["causes"]]
    assert ids[:1] == ([expect] if expect else []), (ids, err)
