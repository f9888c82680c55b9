"""Order ids and URL templates: an id is data, never URL syntax.

Why one module: an agent pastes order numbers from customer tickets, exports and chat windows.
``../../../admin/api/users/1/delete``, ``KM1?status=paid&x=`` or ``KM1#frag`` pasted raw into
``/api/orders/{order_id}`` would aim the admin token (or a re-notify POST) at another path. So
every path that takes an id — the single order, the sweep, re-notify, the callback history,
evidence names — validates it here (:func:`check_order_id`) and fills templates here
(:func:`fill`), which percent-encodes every value so it stays inside its path segment or query
value. Nothing else in kmdiag interpolates an id into a URL.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit, urlunsplit

MAX_ID_LEN = 128
ALLOWED = "letters A-Z a-z, digits 0-9 and _ . : - (starting with a letter or digit)"
# Real order numbers: dujiaoka 16-char alnum, acg-faka 20-digit, epay trade_no, UUIDs, "KM-2026-01".
# A leading letter/digit rules out "." and ".." (dot segments a URL parser would resolve).
_ID = re.compile(rf"[A-Za-z0-9][A-Za-z0-9_.:-]{{0,{MAX_ID_LEN - 1}}}")


class InvalidOrderId(ValueError):
    """The text is not an order number kmdiag will put into a request."""


def is_order_id(value: object) -> bool:
    return isinstance(value, str) and _ID.fullmatch(value) is not None


def check_order_id(value: object) -> str:
    """``value`` unchanged when it is an order id; :class:`InvalidOrderId` (one clear line) when not."""
    s = value if isinstance(value, str) else str(value)
    if is_order_id(s):
        return s
    if not s:
        why = "it is empty"
    elif len(s) > MAX_ID_LEN:
        why = f"it is {len(s)} characters long (at most {MAX_ID_LEN})"
    else:
        bad = next((c for c in s if not re.fullmatch(r"[A-Za-z0-9_.:-]", c)), None)
        why = f"it contains {bad!r}" if bad is not None else f"it starts with {s[0]!r}"
    raise InvalidOrderId(f"'{preview(s)}' is not an order number: {why}; allowed: {ALLOWED}, "
                         f"1-{MAX_ID_LEN} characters")


def preview(s: str, limit: int = 40) -> str:
    """A printable, short rendering of untrusted text for an error line (no control characters)."""
    shown = "".join(c if c.isprintable() else repr(c)[1:-1] for c in s[:limit])
    return shown + ("…" if len(s) > limit else "")


def encode(value: object) -> str:
    """One value as a URL path segment or query value: every reserved character percent-encoded.

    ``.`` and ``..`` alone are dot segments a URL parser resolves (``/orders/..`` is ``/``), so their
    dots are encoded too; a lone surrogate is encoded as its bytes instead of failing (found by fuzzing).
    """
    s = str(value)
    if s and set(s) == {"."}:
        return "%2E" * len(s)
    return quote(s.encode("utf-8", "surrogatepass"), safe="")


def fill(template: str, **values: object) -> str:
    """``template`` with each ``{name}`` replaced by the percent-encoded value.

    Only the placeholders given are replaced; the template's own syntax (its path, its ``?``) is
    the profile's and stays as written.
    """
    out = template
    for name, value in values.items():
        out = out.replace("{" + name + "}", encode(value))
    return out


def strip_userinfo(url: str) -> str:
    """``url`` without ``user:password@``: a credential, never something to show or send on."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))


def userinfo(url: str) -> list[str]:
    """The secret parts of ``user:password@`` in ``url`` (the password, and the pair), for the redactor."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return []
    if "@" not in parts.netloc:
        return []
    info = parts.netloc.rsplit("@", 1)[0]
    user, _, password = info.partition(":")
    return [v for v in (info if password else "", password) if v]


class InvalidURL(ValueError):
    """A URL kmdiag will not send a request to (one clear line for the user)."""


MAX_URL_LEN = 8192


def check_url(url: object, what: str = "URL") -> str:
    """``url`` unchanged when it is an http(s) URL with a valid host and port; :class:`InvalidURL` if not."""
    import ipaddress

    s = url if isinstance(url, str) else str(url)
    shown = preview(s, 60)
    if len(s) > MAX_URL_LEN:
        raise InvalidURL(f"{what}: '{shown}' is {len(s)} characters long (at most {MAX_URL_LEN})")
    if any(ord(c) < 32 or ord(c) == 127 or 0xD800 <= ord(c) <= 0xDFFF for c in s):
        raise InvalidURL(f"{what}: '{shown}' contains a control character or an undecodable byte")
    try:
        parts = urlsplit(s)
        port = parts.port
        host = parts.hostname or ""
    except ValueError as exc:
        raise InvalidURL(f"{what}: '{shown}' is not a valid URL ({exc})") from None
    if parts.scheme not in ("http", "https") or not host:
        raise InvalidURL(f"{what}: '{shown}' is not an http(s) URL with a host")
    if port is not None and not 1 <= port <= 65535:
        raise InvalidURL(f"{what}: '{shown}': port {port} is out of range (1-65535)")
    if " " in parts.netloc:
        raise InvalidURL(f"{what}: '{shown}': the host contains a space")
    if ":" in host or host.replace(".", "").isdigit():
        try:
            ipaddress.ip_address(host)
        except ValueError:
            raise InvalidURL(f"{what}: '{shown}': '{preview(host)}' is not a valid IP address") from None
    else:
        try:
            host.encode("idna")
        except UnicodeError:
            raise InvalidURL(f"{what}: '{shown}': '{preview(host)}' is not a valid host name") from None
    return s


def check_profile_urls(profile: object) -> None:
    """The profile's absolute URLs (base_url, provider gateway, notify URL) through :func:`check_url`."""
    base = getattr(profile, "base_url", None)
    if base:
        check_url(base, "base_url")
    pay = getattr(profile, "payment", None)
    for what, value in (("payment.provider.gateway", getattr(getattr(pay, "provider", None), "gateway", None)),
                        ("payment.notify_url", getattr(pay, "notify_url", None))):
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            check_url(fill(value, order_id="KM1"), what)
