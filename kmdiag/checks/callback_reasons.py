"""Why a shop refused a callback, from what it logged or answered: one rule set for the checks and the sweep.

Why one module: the per-order checks (``payment.callback-signature``, ``payment.callback-amount``)
and the sweep's first guess over the callback logs (``kmdiag.payment.sweep_causes``) read the same
refusal words — 签名验证失败, 金额不一致, an HTTP 404 — and must reach the same cause for the same
line. Pure: strings and status codes in, cause ids out; no I/O, no clock, no profile.

The word lists are the union of what the checks and the sweep used to match separately, so a
reason either of them recognised is still recognised by both.
"""

from __future__ import annotations

from collections.abc import Iterable

SIGNATURE = ("签名", "验签", "signature", "sign error", "sign")
DECRYPT = ("解密", "decrypt", "apiv3", "api v3")
AMOUNT = ("金额", "amount", "money")
EXPIRED = ("过期", "expired")
METHOD = ("method is not supported", "not allowed")  # the route exists, the provider's method does not

# A refusal reason's words → the cause it names, checked in this order (the first rule that matches wins).
REASON_RULES: tuple[tuple[tuple[str, ...], str], ...] = (
    (SIGNATURE, "payment.signature-invalid"),
    (AMOUNT, "payment.amount-mismatch"),
    (EXPIRED, "payment.order-expired"),
    (METHOD, "payment.callback-url-wrong"),
)
URL_WRONG_STATUSES = (404, 405)
HUNG_UP = 499  # nginx: the client (the provider's gateway) closed the connection before the answer

# Every cause id these rules can name (the sweep's test holds each to the registry).
CAUSE_IDS = tuple(dict.fromkeys([c for _, c in REASON_RULES] + ["payment.callback-url-wrong",
                                                                 "payment.callback-endpoint-down"]))


def says(text: object, words: Iterable[str]) -> bool:
    """``text`` (a log reason, a reply) contains one of ``words``, case-insensitively."""
    t = str(text or "").lower()
    return any(w.lower() in t for w in words)


def reason_cause(reason: object) -> str | None:
    """The cause a refusal reason names (``签名验证失败`` → ``payment.signature-invalid``), or None."""
    if not reason:
        return None
    for words, cause in REASON_RULES:
        if says(reason, words):
            return cause
    return None


def status_cause(statuses: Iterable[int]) -> str | None:
    """The cause the notify route's HTTP answers name: a 404/405 anywhere → the URL is wrong; every answer
    a 5xx (or the gateway hanging up) → the endpoint is down; anything else cannot tell (a 200 may carry
    "fail": dujiaoka and acg-faka refuse with HTTP 200)."""
    codes = [int(s) for s in statuses if s]
    if any(s in URL_WRONG_STATUSES for s in codes):
        return "payment.callback-url-wrong"
    if codes and all(s >= 500 or s == HUNG_UP for s in codes):
        return "payment.callback-endpoint-down"
    return None
