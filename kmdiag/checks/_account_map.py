"""Pure helpers for the account checks: read a platform's answer the way its profile describes it.

Platforms disagree on almost everything: some answer ``{"code": 0, "data": {...}}`` with HTTP 200
whatever happens, some use HTTP 401/403, some redirect to a login page. The profile carries the
platform's dialect (JMESPath ``account.fields``, ``error_codes`` tables); this module applies it and
returns one normalised view that the checks judge. No I/O here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jmespath
from jmespath.exceptions import JMESPathError

from kmdiag.apireply import judge

_MSG_KEYS = ("msg", "message", "error_msg", "errmsg", "error_description", "error", "info")
_CODE_KEYS = ("code", "errcode", "error_code", "errno", "status_code")
_LOGIN_HINTS = ("login", "signin", "sign_in", "auth", "passport", "登录")


def evaluate(expr: str | None, body: Any) -> Any:
    """The expression's value on ``body``; None when there is no expression or it cannot apply."""
    if not expr or body is None:
        return None
    try:
        return jmespath.search(expr, body)
    except (JMESPathError, TypeError, ValueError):
        return None


def as_bool(v: Any) -> bool | None:
    """Platforms spell booleans as true/1/"1"/"yes"/"已认证"; None stays unknown."""
    if v is None:
        return None
    if isinstance(v, bool):
        return v
    if isinstance(v, int | float):
        return v != 0
    if isinstance(v, str):
        s = v.strip().lower()
        if s in ("true", "1", "yes", "y", "ok", "是", "已认证", "已实名"):
            return True
        if s in ("false", "0", "no", "n", "", "否", "未认证", "未实名", "none", "null"):
            return False
    if isinstance(v, list | dict):
        return bool(v)
    return None


def body_code(body: Any) -> Any:
    if isinstance(body, dict):
        for k in _CODE_KEYS:
            if k in body and isinstance(body[k], str | int) and not isinstance(body[k], bool):
                return body[k]
    return None


def body_message(body: Any, expr: str | None = None) -> str | None:
    v = evaluate(expr, body) if expr else None
    if isinstance(v, str) and v.strip():
        return v.strip()
    if isinstance(body, dict):
        for k in _MSG_KEYS:
            if isinstance(body.get(k), str) and body[k].strip():
                return body[k].strip()
    return None


def match_code(answer: Mapping[str, Any], tables: list[Mapping[str, str]], msg_expr: str | None = None) -> dict[str, Any] | None:
    """The first ``error_codes`` entry that names this answer: body code, HTTP status, or message text.

    Keys are tried in order: an exact body code (``"1003"``), an explicit HTTP status
    (``"http:403"``; a bare ``"403"`` also matches an HTTP 4xx status when no body code matched),
    then message substrings (``"实名"``). The first table wins, so the account table can override
    the order table.
    """
    body = answer.get("body")
    status = answer.get("status")
    code = body_code(body)
    msg = body_message(body, msg_expr) or (answer.get("text") or "")[:300] or None
    merged: dict[str, str] = {}
    for t in tables:
        for k, v in t.items():
            merged.setdefault(str(k), v)
    hit = None
    if code is not None and str(code) in merged:
        hit = str(code)
    elif isinstance(status, int) and status >= 400:
        for key in (f"http:{status}", f"HTTP {status}", str(status)):
            if key in merged:
                hit = key
                break
    if hit is None and msg:
        for k in merged:
            if not k.isdigit() and not k.lower().startswith("http") and k in msg:
                hit = k
                break
    if hit is None:
        return None
    return {"cause": merged[hit], "key": hit, "code": code, "message": msg, "http_status": status}


def _region(v: Any) -> str | None:
    if isinstance(v, str) and v.strip():
        return " ".join(v.split())
    return None


def same_region(a: str, b: str) -> bool:
    """"浙江 杭州" and "浙江" are the same place for this purpose; "广东 深圳" is not."""
    x, y = a.lower(), b.lower()
    return x == y or x.startswith(y) or y.startswith(x)


def _redirects_to_login(answer: Mapping[str, Any]) -> bool:
    status = answer.get("status")
    loc = str((answer.get("headers") or {}).get("location", "")).lower()
    return isinstance(status, int) and 300 <= status < 400 and any(h in loc for h in _LOGIN_HINTS)


def _login_page(answer: Mapping[str, Any]) -> bool:
    """An HTML answer with a password box where JSON was expected: the session was not accepted."""
    text = str(answer.get("text") or "").lower()
    return 'type="password"' in text or "type='password'" in text or "type=password" in text


def interpret(answer: Mapping[str, Any], profile: Any) -> dict[str, Any]:
    """Normalised view of the account endpoint's answer (see the module docstring)."""
    acct = profile.account
    f = acct.fields
    view: dict[str, Any] = {"http_status": answer.get("status"), "json": bool(answer.get("json"))}
    if answer.get("error"):
        return {**view, "reachable": False, "error": answer["error"], "error_type": answer.get("error_type")}
    view["reachable"] = True
    body = answer.get("body") if answer.get("json") else None
    status = answer.get("status") or 0
    view["code"] = body_code(body)
    msg_expr = f.message or getattr(getattr(profile, "api", None), "message", None)
    view["message"] = body_message(body, msg_expr)
    view["mapped"] = match_code(answer, [acct.error_codes, profile.order.error_codes], msg_expr)
    verdict = judge(getattr(profile, "api", None), answer.get("status"), body)
    if verdict is not None:  # HTTP 200 with a refusal code: the platform said no, in its own words
        view["refused"], view["api_code"] = verdict["refused"], verdict["code"]
    mapped_cause = (view["mapped"] or {}).get("cause")

    logged_in: bool | None
    if status >= 500:
        logged_in, via = None, f"http-{status}"  # the platform layer judges a failing server
    elif status == 401 or mapped_cause == "account.not-logged-in" or _redirects_to_login(answer):
        logged_in, via = False, ("http-401" if status == 401 else "error-code" if mapped_cause else "redirect-to-login")
    elif mapped_cause and mapped_cause.startswith("account."):
        # The platform knows who this is and refuses for another account reason (banned, logged in
        # elsewhere...): that reason's own check fails, not the login check.
        logged_in, via = True, "refused-for-another-reason"
    elif body is None and 200 <= status < 300 and _login_page(answer):
        logged_in, via = False, "login-page"
    elif f.logged_in and body is not None:
        logged_in, via = as_bool(evaluate(f.logged_in, body)), "expression"
    elif 200 <= status < 300:
        logged_in, via = (True, "http-2xx") if body is not None else (None, "not-json")
    elif status == 403 and answer.get("json"):
        logged_in, via = True, "http-403"  # authenticated but refused: judged by the risk check
    elif status == 403:
        logged_in, via = None, "http-403-not-json"  # a WAF/CDN block page says nothing about the account
    else:
        logged_in, via = None, f"http-{status}"
    view["logged_in"], view["logged_in_via"] = logged_in, via
    if not (200 <= status < 300) or mapped_cause:
        body = None  # the field expressions describe a normal answer, not an error body (no "kyc" in a 403)
    view["identity_verified"] = as_bool(evaluate(f.identity_verified, body))
    view["risk_blocked"] = as_bool(evaluate(f.risk_blocked, body))
    view["remote_login"] = as_bool(evaluate(f.remote_login, body))
    view["order_allowed"] = as_bool(evaluate(f.order_allowed, body))
    view["login_region"] = _region(evaluate(f.login_region, body))
    view["usual_region"] = _region(evaluate(f.usual_region, body))
    view["forbidden"] = status == 403 and bool(answer.get("json"))
    return view


def order_answers(measurements: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every recorded answer of the order API for this run: the browser's click and our own attempt.

    The browser probe's shape is not fixed here on purpose: any ``browser*`` measurement with an
    ``order_requests`` / ``orders`` list (records with ``status``, ``json_code``, ``json_msg``,
    ``phase``; ``browser.page`` writes ``order_requests``) or an
    ``order_response`` mapping (``status`` and ``body``/``json``/``text``) is used, so this keeps
    working whatever the browser layer's probe is called.
    """
    out: list[dict[str, Any]] = []
    for pid, m in measurements.items():
        data = getattr(m, "data", None) or {}
        if pid == "account.order-attempt":
            if data.get("status") is not None:
                out.append({**data, "source": pid})
            continue
        if not pid.startswith("browser"):
            continue
        for key in ("order_requests", "orders", "order_response", "order_request", "order"):
            r = data.get(key)
            for item in r if isinstance(r, list) else [r]:
                if isinstance(item, dict) and item.get("phase") not in (None, "click"):
                    continue  # the double-click round's held requests say nothing about the account
                norm = _normalise_browser(item)
                if norm is not None:
                    out.append({**norm, "source": pid})
    return out


def _normalise_browser(r: Any) -> dict[str, Any] | None:
    if not isinstance(r, dict):
        return None
    resp = r.get("response") if isinstance(r.get("response"), dict) else r
    status = resp.get("status")
    if not isinstance(status, int):
        return None
    if "json_code" in resp or "json_msg" in resp:  # the browser probe keeps just the API's code and message
        return {"status": status, "json": True, "body": {"code": resp.get("json_code"), "msg": resp.get("json_msg")},
                "text": None}
    body = resp.get("json") if isinstance(resp.get("json"), dict | list) else resp.get("body")
    if isinstance(body, str):
        from kmdiag.safejson import loads

        try:
            body = loads(body)
        except ValueError:
            return {"status": status, "json": False, "body": None, "text": body[:2000]}
    return {"status": status, "json": body is not None, "body": body, "text": resp.get("text")}
