"""Refusals inside HTTP 200: the profile's ``api`` convention applied to a platform's JSON answer.

Why: platforms like acg-faka answer every refusal as HTTP 200 ``{"code":0,"msg":"库存不足"}`` and
success as ``{"code":200,...}``. An HTTP status alone then says "fine" for a refused order, a
refused session or an unknown order. The profile names where the reply code and the message are
(JMESPath) and which codes mean success; this module says whether an answer is a refusal and what
the shop said, for every place that reads a platform answer (the order API reply seen in the
browser, the account probe, the payment order read). Pure: no I/O, so checks use it too.
"""

from __future__ import annotations

from typing import Any


def _search(expr: str | None, body: Any) -> Any:
    if not expr or not isinstance(body, dict | list):
        return None
    try:
        import jmespath

        return jmespath.search(expr, body)
    except Exception:
        return None


def configured(api: Any) -> bool:
    """Whether the profile states a reply-code convention at all (``api.code`` and ``success_codes``)."""
    return bool(api is not None and getattr(api, "code", None) and getattr(api, "success_codes", None))


def judge(api: Any, status: int | None, body: Any) -> dict[str, Any] | None:
    """``{"refused", "code", "message"}`` for a JSON answer under the convention; None without one.

    A refusal is an HTTP 2xx answer whose code is not one of ``success_codes`` (compared as text, so
    ``200`` and ``"200"`` agree). An answer without the code at all is not judged a refusal: the
    convention does not describe it. HTTP errors stay the HTTP layer's to judge.
    """
    if not configured(api):
        return None
    code = _search(api.code, body)
    message = _search(api.message, body) if getattr(api, "message", None) else None
    msg = " ".join(str(message).split())[:300] if message not in (None, "") else None
    ok_codes = {str(c) for c in api.success_codes}
    is_2xx = isinstance(status, int) and 200 <= status < 300
    refused = bool(is_2xx and code is not None and str(code) not in ok_codes)
    return {"refused": refused, "code": code, "message": msg}


def quote(message: str | None) -> str:
    """The shop's own words, quoted the same way in zh and en text: 「…」."""
    return f"「{message}」" if message else ""
