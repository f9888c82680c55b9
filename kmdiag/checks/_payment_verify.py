"""Pure judgement of the probe's verdicts on recorded notifies: is each one believed, and why not.

Why apart: a verdict has several outcomes (a bad signature, a notify signed by another key, signature
headers stripped by a CDN, an encrypted resource that will not open with the configured key) and each
must be said in words an agent can act on, in both languages. The words that name a provider's own
keys and console come from its plug-in (``VERDICT_TEXT``).
"""

from __future__ import annotations

from typing import Any

from kmdiag.checks import callback_reasons
from kmdiag.checks._payment import brief, key_name, reason_has, verdict_text
from kmdiag.i18n import T
from kmdiag.models import Status

_SIG_WORDS = callback_reasons.SIGNATURE  # one rule set with the sweep (kmdiag.checks.callback_reasons)
_DECRYPT_WORDS = callback_reasons.DECRYPT


def _v(cb: dict[str, Any]) -> dict[str, Any]:
    return cb.get("verification") or {}


def _said(cb: dict[str, Any], words: tuple[str, ...]) -> bool:
    """The shop's refusal in its log reason or in its answer (a JSON reply: {"code":"FAIL","message":...})."""
    if reason_has(cb, *words):
        return True
    if (cb.get("status") or 0) < 400 and "fail" not in str(cb.get("reply") or "").lower():
        return False
    reply = str(cb.get("reply") or "").lower()
    return any(w.lower() in reply for w in words)


def judge(cbs: list[dict[str, Any]], kind: str, data: dict[str, Any]) -> tuple[Status, T, dict[str, Any]]:
    """(status, summary, evidence) of ``payment.callback-signature`` over every recorded callback."""
    key = key_name(kind, T(zh="配置的密钥", en="configured key"))
    bad = [x for x in cbs if x.get("signature_valid") is False]
    good = [x for x in cbs if x.get("signature_valid") is True]
    unsigned = [x for x in cbs if _v(x).get("code") == "unsigned"]
    stripped = [x for x in cbs if _v(x).get("code") == "headers-missing"]
    undecrypt = [x for x in cbs if _v(x).get("decrypted") is False]  # the resource did not open with the key
    opened = [x for x in cbs if _v(x).get("decrypted") is True]
    foreign = [x for x in cbs if _v(x).get("serial_mismatch")]
    refused = [x for x in cbs if _said(x, _SIG_WORDS)]
    refused_decrypt = [x for x in cbs if _said(x, _DECRYPT_WORDS)]
    candidates = int(data.get("undecryptable_candidates") or 0)
    checked = len(good) + len(bad)
    ev: dict[str, Any] = {
        "checked": checked, "valid": len(good), "invalid": len(bad), "unsigned": len(unsigned),
        "headers_missing": len(stripped), "decrypted": len(opened), "not_decrypted": len(undecrypt),
        "undecryptable_in_logs": candidates, "shop_refused_signature": len(refused),
        "shop_refused_decryption": len(refused_decrypt), "key": key.en,
        "examples": [brief(x) | {"verdict": _v(x).get("code"), "decrypt": _v(x).get("decrypt_code")}
                     for x in (bad or undecrypt or refused or refused_decrypt or stripped)[:3]],
    }
    if bad:
        more = T(zh="（通知用的是另一把平台密钥：序列号与配置的不同）", en=" (they were signed by another platform key: the serial differs from the configured one)") if foreign else T(zh="", en="")
        return Status.FAIL, T(
            zh=f"{len(bad)} 次回调的签名用配置的{key.zh}验证失败：配置的密钥不对，或参数在途中被改写（输入过滤、转义）{more.zh}",
            en=f"{len(bad)} callback(s) fail verification with the configured {key.en}: the key is wrong, or the parameters were rewritten on the way (an input filter, escaping){more.en}"), ev
    if undecrypt or (candidates and not cbs):
        n = len(undecrypt) or candidates
        return Status.FAIL, verdict_text(kind, "not-decrypted", n), ev
    if refused_decrypt and opened:
        return Status.FAIL, verdict_text(kind, "refused-decryption", len(refused_decrypt)), ev
    if refused and checked:
        return Status.FAIL, T(zh=f"店铺以“签名验证失败”拒绝了回调，而签名用渠道的{key.zh}可以验证：店铺配置的验签密钥不对",
                              en=f"the shop refused the callback as 'signature invalid', yet it verifies with the provider's {key.en}: the shop verifies with the wrong key"), ev
    if refused or refused_decrypt:
        return Status.FAIL, T(zh="店铺以“签名验证失败/解密失败”拒绝了回调（kmdiag 没有密钥，无法复核）",
                              en="the shop refused the callback as 'signature invalid' / 'decryption failed' (kmdiag has no key to re-check it)"), ev
    if stripped:
        return Status.WARN, verdict_text(kind, "headers-missing", len(stripped)), ev
    if not checked and not opened:
        why = T(zh="回调没有签名字段", en="the callbacks carry no signature") if unsigned else T(
            zh="没有可验证签名的回调（或没有密钥）", en="no callback whose signature could be verified (or no key)")
        return Status.SKIP, why, ev
    parts_zh = [f"{len(good)} 次回调签名用{key.zh}验证有效"] if good else []
    parts_en = [f"{len(good)} callback signature(s) valid with the {key.en}"] if good else []
    if opened:
        said = verdict_text(kind, "decrypted", len(opened))
        parts_zh.append(said.zh)
        parts_en.append(said.en)
    return Status.PASS, T(zh="，".join(parts_zh), en="; ".join(parts_en)), ev
