"""Account checks: is this shopper signed in, verified, free of risk holds, logging in from home,
and does the order API accept them?

Each check reads the account endpoint's answer through the profile's dialect
(:func:`kmdiag.checks._account_map.interpret`) and judges one property, so a report can say exactly
which one blocks the order. ``account.order-rejection`` reads the order API's own answer — from the
browser's click when the browser layer recorded it, and from ``account.order-attempt`` — and maps
known codes/messages to causes through the profile's ``error_codes``. Pure: no I/O.
"""

from __future__ import annotations

from typing import Any

from kmdiag.checks._account_map import interpret, match_code, order_answers, same_region
from kmdiag.i18n import T
from kmdiag.models import Status
from kmdiag.registry import CheckContext, CheckResult, check

ME = "account.me"
LOGGED_IN = "account.logged-in"


def _view(c: CheckContext) -> dict[str, Any]:
    return interpret(c.data(ME), c.profile)


def _ev(view: dict[str, Any], *keys: str) -> dict[str, Any]:
    base = {k: view.get(k) for k in ("http_status", "code", "message")}
    base.update({k: view.get(k) for k in keys})
    if view.get("mapped"):
        base["error_code_match"] = view["mapped"]
    return {k: v for k, v in base.items() if v is not None}


def _mapped(view: dict[str, Any], cause: str) -> bool:
    return (view.get("mapped") or {}).get("cause") == cause


def _indistinct(view: dict[str, Any], c: CheckContext) -> dict[str, Any]:
    """When the platform gives this same message for other causes too (acg-faka: a ban reads as an expired
    session), say so in the evidence instead of guessing which one it is."""
    msg = str(view.get("message") or (view.get("mapped") or {}).get("message") or "")
    for entry in c.profile.account.indistinct:
        if entry.message and entry.message in msg:
            return {"indistinct": {"message": msg, "also": list(entry.also), "tell_by": entry.tell_by}}
    return {}


@check(LOGGED_IN, layer="account", needs=(ME,),
       title=T(zh="账户已登录（会话有效）", en="Signed in (the session is valid)"))
def logged_in(c: CheckContext) -> CheckResult:
    v = _view(c)
    if not v["reachable"]:
        return CheckResult(Status.ERROR, T(zh=f"无法访问账户接口：{v['error']}", en=f"could not reach the account API: {v['error']}"),
                           {"error": v["error"], "error_type": v.get("error_type")})
    ev = _ev(v, "logged_in_via")
    if v["logged_in"] is False:
        ev.update(_indistinct(v, c))
        return CheckResult(Status.FAIL, T(zh=f"平台认为你未登录或会话已过期（{v['logged_in_via']}）",
                                          en=f"the platform says you are not signed in or the session expired ({v['logged_in_via']})"), ev)
    if v["logged_in"] is None:
        return CheckResult(Status.ERROR, T(zh=f"账户接口的回答无法判断登录状态（HTTP {v['http_status']}）",
                                           en=f"the account API's answer does not tell whether you are signed in (HTTP {v['http_status']})"), ev)
    return CheckResult(Status.PASS, T(zh="会话有效，平台识别出了你的账户", en="the session is valid; the platform knows your account"), ev)


@check("account.identity-verified", layer="account", needs=(ME,), after=(LOGGED_IN,),
       title=T(zh="已完成实名认证", en="Real-name verification done"))
def identity_verified(c: CheckContext) -> CheckResult:
    v = _view(c)
    ev = _ev(v, "identity_verified")
    if v["identity_verified"] is False or _mapped(v, "account.identity-unverified"):
        return CheckResult(Status.FAIL, T(zh="账户未完成实名认证，平台不允许下单",
                                          en="the account has not completed real-name verification; the platform will not take orders"), ev)
    if v["identity_verified"] is None:
        return CheckResult(Status.SKIP, T(zh="账户接口的回答里没有实名认证状态（account.fields.identity_verified）",
                                          en="the account answer does not say whether identity is verified (account.fields.identity_verified)"), ev)
    return CheckResult(Status.PASS, T(zh="已实名认证", en="identity verified"), ev)


@check("account.login-region", layer="account", needs=(ME,), after=(LOGGED_IN,),
       title=T(zh="登录地区与常用地区一致", en="Login region matches the usual region"))
def login_region(c: CheckContext) -> CheckResult:
    v = _view(c)
    ev = _ev(v, "remote_login", "login_region", "usual_region")
    here, usual = v.get("login_region"), v.get("usual_region")
    differs = bool(here and usual and not same_region(here, usual))
    if v["remote_login"] is True or differs or _mapped(v, "account.remote-login"):
        where = f"{here or '?'} ≠ {usual or '?'}"
        return CheckResult(Status.FAIL, T(zh=f"平台标记了异地登录（本次 {where}）", en=f"the platform flags a login from another region ({where})"),
                           {**ev, "where": where})
    if not (here and usual) and v["remote_login"] is None:
        return CheckResult(Status.SKIP, T(zh="账户接口的回答里没有登录地区信息", en="the account answer carries no login region to compare"), ev)
    return CheckResult(Status.PASS, T(zh="没有异地登录标记", en="no login from another region"), ev)


@check("account.risk", layer="account", needs=(ME,), after=(LOGGED_IN,),
       title=T(zh="账户未被风控限制下单", en="No risk-control hold on ordering"))
def risk(c: CheckContext) -> CheckResult:
    v = _view(c)
    ev = _ev(v, "risk_blocked", "order_allowed")
    if v["risk_blocked"] is True or _mapped(v, "account.risk-blocked"):
        return CheckResult(Status.FAIL, T(zh="平台风控限制了此账户下单", en="the platform's risk control holds this account from ordering"),
                           {**ev, "basis": "risk-field" if v["risk_blocked"] else "error-code"})
    other_reason = (v["identity_verified"] is False or v["remote_login"] is True or v.get("mapped"))
    if v["forbidden"] and not other_reason:
        return CheckResult(Status.FAIL, T(zh="账户接口拒绝了此账户（HTTP 403），平台未说明原因",
                                          en="the account API refuses this account (HTTP 403) without saying why"), {**ev, "basis": "http-403"})
    if v["order_allowed"] is False and not other_reason and not _region_differs(v):
        return CheckResult(Status.FAIL, T(zh="平台不允许此账户下单，且未给出其他原因（通常是风控）",
                                          en="the platform does not let this account order and gives no other reason (usually risk control)"),
                           {**ev, "basis": "order-not-allowed"})
    if v["risk_blocked"] is None and v["order_allowed"] is None:
        return CheckResult(Status.SKIP, T(zh="账户接口的回答里没有风控状态", en="the account answer carries no risk-control status"), ev)
    return CheckResult(Status.PASS, T(zh="未被风控限制", en="no risk-control hold"), ev)


def _region_differs(v: dict[str, Any]) -> bool:
    here, usual = v.get("login_region"), v.get("usual_region")
    return bool(here and usual and not same_region(here, usual))


@check("account.order-rejection", layer="account",
       title=T(zh="下单接口接受此账户", en="The order API accepts this account"))
def order_rejection(c: CheckContext) -> CheckResult:
    answers = order_answers(c.measurements)
    if not answers:
        return CheckResult(Status.SKIP, T(
            zh="本次没有发出下单请求（需要 --submit，或浏览器层记录的下单回应），无法读取平台对此账户的拒绝原因",
            en="no order request was sent in this run (needs --submit, or the browser layer's recorded answer), "
               "so the platform's own refusal could not be read"), {})
    tables = [c.profile.order.error_codes, c.profile.account.error_codes]
    for a in answers:
        hit = match_code(a, tables)
        if hit and hit["cause"].startswith("account."):
            return CheckResult(Status.FAIL, T(
                zh=f"下单接口拒绝了此账户：{hit.get('message') or ''}（错误码 {hit.get('code')}，HTTP {hit.get('http_status')}）",
                en=f"the order API refused this account: {hit.get('message') or ''} (code {hit.get('code')}, HTTP {hit.get('http_status')})"),
                {**hit, "source": a.get("source")})
    refused = [a for a in answers if _refused(a)]
    if refused:
        a = refused[0]
        body = a.get("body") if isinstance(a.get("body"), dict) else {}
        code, msg = body.get("code"), body.get("msg") or body.get("message")
        return CheckResult(Status.WARN, T(
            zh=f"下单接口拒绝了请求（HTTP {a.get('status')}，错误码 {code}，{msg or '无说明'}），但不是已知的账户原因",
            en=f"the order API refused the request (HTTP {a.get('status')}, code {code}, {msg or 'no message'}), "
               "but not for a known account reason"),
            {"http_status": a.get("status"), "code": code, "message": msg, "source": a.get("source")})
    return CheckResult(Status.PASS, T(zh="下单接口接受了此账户的请求", en="the order API accepted this account's request"),
                       {"sources": sorted({str(a.get("source")) for a in answers})})


def _refused(a: dict[str, Any]) -> bool:
    """A 4xx, or a 2xx whose body carries a non-success code and no data (the 卡盟 way of saying no).

    5xx and 429 are the platform layer's to judge (down / overloaded), not a refusal of the account.
    """
    status = a.get("status") or 0
    if status >= 500 or status == 429:
        return False
    if status >= 400:
        return True
    body = a.get("body")
    if isinstance(body, dict) and "code" in body and body.get("data") in (None, [], {}, ""):
        return str(body["code"]) not in ("0", "200", "201")
    return False
