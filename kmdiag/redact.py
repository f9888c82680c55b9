"""The one redaction path. Every renderer and every evidence writer sends its output through here.

Three kinds of rule, because no single one is enough:

* **known values** — the session token, cookies, merchant and admin keys (read from the
  environment variables a profile names) — are replaced wherever they appear, also in their
  URL-, HTML- and JSON-escaped spellings, because renderers escape after the redactor sees data;
* **by name** — values under secret-looking keys (authorization, cookie, token, key, sign,
  password, session) in structured data, in ``name=value`` pairs, ``"key": "value"`` text and
  ``Header: value`` lines — catch secrets kmdiag was never told about (a cookie the shop set);
* **URL userinfo** (``https://user:password@host``) is masked whole, in any text;
* **phone numbers** are masked as 138****8000 (the shopper and support still recognise them),
  without touching order numbers, timestamps or hashes: a phone is 11 digits with no digit or
  letter glued to it;
* **personal data the order form was filled with** (:meth:`Redactor.add_personal`): the e-mail
  (b****@example.com), a QQ number (98*****21) and names (张**) are masked the same way, in every
  spelling, wherever they appear (reports, HAR, traces, evidence).

Files (HAR, Playwright traces, console logs) are redacted structurally in
:mod:`kmdiag.redact_files` so that their viewers still open them; this module stays the only
place that decides *what* is secret.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

MASK = "[REDACTED]"
_SECRET_KEYS = re.compile(
    r"(authorization|cookie|token|secret|passw(or)?d|passwd|api[-_]?key|merchant[-_]?key|private[-_]?key|"
    r"^key$|[-_]key$|^sign$|session|sessid|^sid$|csrf|xsrf|jwt|^auth$|x-admin-token|credential)",
    re.I,
)
# Keys that name or describe a secret without holding it (token_env: "KMDIAG_TOKEN", cookie_present).
_NOT_SECRET = re.compile(r"(_env|_name|_names|_present|_source|_kind|_count|_len|_length|_ok|_valid|_state|"
                         r"_status|_expired|_expires|_type|_header|_ms)$", re.I)
# Keys whose values are structure (hash references, ids, times) that a viewer resolves: never touched.
STRUCTURAL = frozenset({"_sha1", "sha1", "pageref", "_frameref", "callId", "pageId", "frameId", "snapshotName",
                        "startedDateTime", "wallTime", "_monotonicTime", "timestamp", "mimeType", "httpVersion"})

# 1[3-9]xxxxxxxxx, optionally +86 / 86 prefixed. Not glued to a digit or letter (order numbers, hex
# hashes, epoch ms), but found after a %XX escape or a \n-style escape in serialised text.
_PHONE = re.compile(
    r"(?:(?<![0-9A-Za-z])|(?<=%[0-9A-Fa-f]{2})|(?<=\\[nrt]))"
    r"((?:\+?86[- ]?)?1[3-9][0-9][- ]?)([0-9]{4})([- ]?[0-9]{4})(?![0-9A-Za-z])"
)
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+(?=[A-Za-z0-9._~+/=-]*[0-9])[A-Za-z0-9._~+/=-]{8,}")
_HEADER_LINE = re.compile(
    r"(?im)^([ \t]*(?:[A-Za-z0-9-]*(?:authorization|cookie|token|api-key|secret)[A-Za-z0-9-]*)[ \t]*:[ \t]*)(\S.*)$"
)
_PAIR = re.compile(r"(?<![A-Za-z0-9_.\-\[\]])([A-Za-z_][A-Za-z0-9_.\-\[\]]{0,40})=([^&\s#;\"'<>,]+)")
# ``scheme://user:password@host``: the userinfo of a URL is a credential whatever it holds.
_USERINFO = re.compile(r"(?i)(\b[a-z][a-z0-9+.-]{1,15}://)([^\s/?#@\[\]<>\"']+)@(?=[^\s@/?#])")
_DATA_URI = re.compile(r"(data:image/[a-z+.-]+;base64,[A-Za-z0-9+/=]+)")
_JSON_PAIR = re.compile(r'"([A-Za-z_][A-Za-z0-9_.\-]{0,40})"(\s*:\s*)"((?:[^"\\]|\\.)*)"')


def secret_key(name: str) -> bool:
    """True when a key or header name says its value is a secret."""
    return bool(_SECRET_KEYS.search(name)) and not _NOT_SECRET.search(name)


def secret_pair(name: str, value: object) -> bool:
    """Whether ``name: value`` holds a secret. A bare ``key`` / ``sign`` is ambiguous (a lookup key,
    an error code), so it counts only with a value long enough to be a merchant key or a signature."""
    if not secret_key(name) or value in ("", None):
        return False
    return name.lower() not in ("key", "sign") or len(str(value)) >= 8


def mask_phone(text: str) -> str:
    return _PHONE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)


def phones_in(values: Iterable[str]) -> list[str]:
    """The values that are phone numbers (the order form's contact field), for :meth:`Redactor.add_phone`."""
    return [v for v in values if isinstance(v, str) and re.fullmatch(r"\+?[0-9][0-9 -]{6,18}[0-9]", v.strip())]


_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]+")
_QQ = re.compile(r"[1-9][0-9]{4,10}")


def personal_kind(value: str) -> str | None:
    """``phone`` | ``email`` | ``qq`` | ``name`` for a value typed into an order form; None if nothing personal."""
    v = value.strip() if isinstance(value, str) else ""
    if len(v) < 2:
        return None
    if _QQ.fullmatch(v) and not re.fullmatch(r"1[3-9][0-9]{9}", v):  # 5-11 digits, not a mobile number
        return "qq"
    if phones_in([v]):
        return "phone"
    if _EMAIL.fullmatch(v):
        return "email"
    if len(v) <= 60 and any(c.isalpha() for c in v):
        return "name"
    return None


def masked_personal(value: str, kind: str) -> str:
    v = value.strip()
    if kind == "email":
        local, _, domain = v.rpartition("@")
        return f"{local[:1]}****@{domain}"
    if kind == "qq":
        return f"{v[:2]}{'*' * (len(v) - 4)}{v[-2:]}"
    return v[:1] + "*" * max(2, len(v) - 1)


def _masked_phone(p: str) -> str:
    return f"{p[:-8]}****{p[-4:]}" if len(p) >= 11 else MASK


def spellings(value: str) -> set[str]:
    """The ways a value can appear once a URL, a form, HTML, XML or JSON has escaped it."""
    out = {value, quote(value, safe=""), quote_plus(value), html.escape(value), html.escape(value, quote=False),
           json.dumps(value, ensure_ascii=False)[1:-1], json.dumps(value)[1:-1]}
    out |= {re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), s) for s in list(out)}
    return {s for s in out if s}


class Redactor:
    """Replaces secrets in text and in JSON-like structures, keeping structures valid."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self.secrets: list[str] = []
        self.phones: list[str] = []
        self.personal: dict[str, str] = {}  # value -> its masked form (e-mail, QQ, names)
        self._needles: list[tuple[str, str]] = []
        self.add(*secrets)

    def add(self, *values: str) -> None:
        """Known secret values (ignoring trivially short ones, which would mask ordinary words)."""
        self.secrets = sorted(set(self.secrets) | {v for v in values if v and len(v) >= 4}, key=len, reverse=True)
        self._rebuild()

    def add_phone(self, *values: str) -> None:
        """Known phone numbers (from the order form): masked as 138****8000 wherever they appear."""
        digits = {re.sub(r"[\s-]", "", v) for v in values if v}
        self.phones = sorted(set(self.phones) | {d for d in digits if len(d) >= 7}, key=len, reverse=True)
        self._rebuild()

    def add_personal(self, *values: str) -> None:
        """Values the order form was filled with: phones as :meth:`add_phone`; e-mails, QQ numbers and
        names masked alike (first character kept) wherever they appear, in every spelling."""
        for v in values:
            kind = personal_kind(v) if isinstance(v, str) else None
            if kind == "phone":
                self.add_phone(v)
            elif kind is not None:
                self.personal[v.strip()] = masked_personal(v, kind)
        self._rebuild()

    def _rebuild(self) -> None:
        needles = {s: MASK for secret in self.secrets for s in spellings(secret)}
        for value, masked in self.personal.items():
            needles.update({s: masked for s in spellings(value) if s not in needles})
        for p in self.phones:
            needles.update({s: _masked_phone(p) for s in spellings(p) if s not in needles})
        self._needles = sorted(needles.items(), key=lambda kv: len(kv[0]), reverse=True)

    # -- text ------------------------------------------------------------------------------------
    def text(self, s: str) -> str:
        if "base64," in s:  # inline images (the HTML report) are data, not text: leave them whole
            parts = _DATA_URI.split(s)
            return "".join(p if i % 2 else self._text(p) for i, p in enumerate(parts))
        return self._text(s)

    def _text(self, s: str) -> str:
        for needle, repl in self._needles:
            if needle in s:
                s = s.replace(needle, repl)
        s = _USERINFO.sub(lambda m: m.group(1) + (m.group(2) if m.group(2) == MASK else MASK) + "@", s)
        s = _HEADER_LINE.sub(lambda m: m.group(1) + MASK if MASK not in m.group(2) else m.group(0), s)
        s = _PAIR.sub(lambda m: f"{m.group(1)}={MASK}" if secret_pair(m.group(1), m.group(2)) else m.group(0), s)
        s = _JSON_PAIR.sub(lambda m: f'"{m.group(1)}"{m.group(2)}"{MASK}"'
                           if secret_pair(m.group(1), m.group(3)) else m.group(0), s)
        s = _BEARER.sub(lambda m: f"{m.group(1)} {MASK}", s)
        return mask_phone(s)

    def bytes(self, b: bytes) -> bytes:
        """Text rules for UTF-8 content; for binary (images, fonts) only known values, byte for byte."""
        try:
            return self.text(b.decode("utf-8")).encode("utf-8")
        except UnicodeDecodeError:
            return self.binary(b)

    def binary(self, b: bytes) -> bytes:
        for needle, repl in self._needles:
            nb = needle.encode("utf-8")
            if nb in b:
                b = b.replace(nb, repl.encode("utf-8"))
        return b

    # -- structures ------------------------------------------------------------------------------
    def data(self, obj: Any, key: str | None = None) -> Any:
        """Structural redaction: secret-looking keys lose their value; every other string is text-redacted.

        ``key`` is the parent key: every cookie in a ``cookies`` list loses its value whatever its
        name, and HAR/trace-style ``{"name": "Cookie", "value": ...}`` pairs are judged by name.
        """
        if isinstance(obj, dict):
            out: dict[Any, Any] = {}
            for k, v in obj.items():
                ks = k if isinstance(k, str) else None
                if ks is not None and ks in STRUCTURAL:
                    out[k] = v
                elif ks is not None and _scalar(v) and secret_pair(ks, v):
                    out[k] = MASK
                elif ks in ("postData", "content") and isinstance(v, dict):
                    out[k] = self._body_holder(v)
                else:
                    out[k] = self.data(v, ks)
            if "value" in out and _scalar(out["value"]) and out["value"] != "":
                name = out.get("name")
                if key == "cookies" or (isinstance(name, str) and secret_pair(name, out["value"])):
                    out["value"] = MASK
            return out
        if isinstance(obj, list):
            return [self.data(v, key) for v in obj]
        if isinstance(obj, str):
            return self.text(obj)
        return obj

    def _body_holder(self, d: dict[str, Any]) -> dict[str, Any]:
        """HAR ``postData`` / ``content``: the body text is parsed (JSON, base64) before redaction."""
        out = self.data({k: v for k, v in d.items() if k != "text"}, None)
        text = d.get("text")
        if isinstance(text, str):
            out["text"] = self.body(text, base64=d.get("encoding") == "base64")
        elif "text" in d:
            out["text"] = text
        return out

    def body(self, text: str, *, base64: bool = False) -> str:
        """A request or response body: JSON redacted as JSON, base64 decoded first, anything else as text."""
        if base64:
            import base64 as b64

            try:
                raw = b64.b64decode(text, validate=True)
            except (ValueError, TypeError):
                return self.text(text)
            try:
                return b64.b64encode(self.body(raw.decode("utf-8")).encode("utf-8")).decode("ascii")
            except UnicodeDecodeError:
                return b64.b64encode(self.binary(raw)).decode("ascii")
        stripped = text.lstrip()
        if stripped[:1] in ("{", "["):
            try:
                return json.dumps(self.data(json.loads(text)), ensure_ascii=False, separators=(",", ":"))
            except ValueError:
                pass
        return self.text(text)

    # -- files -----------------------------------------------------------------------------------
    def file(self, src: Path, dst: Path, kind: str | None = None) -> Path:
        """Copy ``src`` to ``dst`` redacted as its kind (har, trace, console, screenshot...) demands."""
        from kmdiag.redact_files import redact_file

        return redact_file(self, src, dst, kind)


def _scalar(v: Any) -> bool:
    return isinstance(v, str | int | float) and not isinstance(v, bool)
