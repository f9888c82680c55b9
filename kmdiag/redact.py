"""The one redaction path. Every renderer and every evidence writer sends its output through here.

Known secret values (the session token, cookies, merchant and admin keys, read from the
environment variables a profile names) are replaced wherever they appear; so are values that look
like secrets by their key name (authorization, cookie, token, key, sign, password) in structured
data, and mainland phone numbers are kept as 138****8000.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

MASK = "[REDACTED]"
_SECRET_KEYS = re.compile(
    r"(authorization|cookie|set-cookie|token|secret|passw(or)?d|api[-_]?key|merchant[-_]?key|private[-_]?key|"
    r"^key$|_key$|^sign$|session|x-admin-token)",
    re.I,
)
# 1[3-9]xxxxxxxxx, optionally +86 / 86 prefixed; not inside longer digit runs (order numbers).
_PHONE = re.compile(r"(?<![0-9])((?:\+?86[- ]?)?1[3-9][0-9])([0-9]{4})([0-9]{4})(?![0-9])")
_BEARER = re.compile(r"(?i)\b(bearer|token|basic)\s+[A-Za-z0-9._~+/=-]{8,}")


def mask_phone(text: str) -> str:
    return _PHONE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)


class Redactor:
    """Replaces secrets in text and in JSON-like structures, keeping structures valid."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        # Longest first, so a secret that contains another is replaced whole; ignore trivially short values.
        self.secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)

    def add(self, *values: str) -> None:
        self.secrets = sorted(set(self.secrets) | {v for v in values if v and len(v) >= 4}, key=len, reverse=True)

    def text(self, s: str) -> str:
        for secret in self.secrets:
            if secret in s:
                s = s.replace(secret, MASK)
            # URL-encoded and form-encoded spellings of the same secret
            from urllib.parse import quote, quote_plus

            for enc in {quote(secret, safe=""), quote_plus(secret)}:
                if enc != secret and enc in s:
                    s = s.replace(enc, MASK)
        s = _BEARER.sub(lambda m: f"{m.group(1)} {MASK}", s)
        return mask_phone(s)

    def bytes(self, b: bytes) -> bytes:
        try:
            return self.text(b.decode("utf-8")).encode("utf-8")
        except UnicodeDecodeError:
            for secret in self.secrets:
                b = b.replace(secret.encode("utf-8"), MASK.encode())
            return b

    def data(self, obj: Any, key: str | None = None) -> Any:
        """Structural redaction: secret-looking keys lose their value; every string is text-redacted."""
        if isinstance(obj, dict):
            out = {}
            for k, v in obj.items():
                if isinstance(k, str) and _SECRET_KEYS.search(k) and isinstance(v, str | int | float) and not isinstance(v, bool) and v != "":
                    out[k] = MASK
                else:
                    out[k] = self.data(v, k if isinstance(k, str) else None)
            # HAR-style name/value pairs: {"name": "Cookie", "value": "..."}
            if isinstance(out.get("name"), str) and "value" in out and _SECRET_KEYS.search(out["name"]):
                out["value"] = MASK
            return out
        if isinstance(obj, list):
            return [self.data(v, key) for v in obj]
        if isinstance(obj, str):
            return self.text(obj)
        return obj
