"""Members: the ``USER_SESSION`` cookie and the ``UserSession`` interceptor of acg-faka 3.6.0.

Why these exact rules (reference §7.1): the cookie is a base64 JWT; the interceptor refuses with one
of only two messages — "登录会话过期，请重新登录.." for no cookie, a bad or expired JWT, a changed
``login_time`` *and* a banned account (``users.status != 1``), and "当前页面会话失效，请刷新网页.."
for a Referer from another host. ``ACG-SHOP`` is only the PHP session (it holds the captcha).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets as _secrets
import time
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from kmdiag.demo.acgfaka.store import Member, Store
    from kmdiag.demo.http import Request

COOKIE = "USER_SESSION"
PHP_SESSION = "ACG-SHOP"
EXPIRED = "登录会话过期，请重新登录.."
FOREIGN = "当前页面会话失效，请刷新网页.."
LIFETIME_S = 86400 * 7


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Sessions:
    """Signs and checks member sessions with the shop's own secret."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.key = _secrets.token_bytes(32)

    def issue(self, member: Member, *, expires_in: float = LIFETIME_S) -> str:
        """The ``USER_SESSION`` value a sign-in sets: base64 of an HS256 JWT."""
        head = _b64(json.dumps({"typ": "JWT", "alg": "HS256"}).encode())
        body = _b64(json.dumps({"uid": member.id, "login_time": member.login_time,
                                "expire": int(time.time() + expires_in)}).encode())
        sig = _b64(hmac.new(self.key, f"{head}.{body}".encode(), hashlib.sha256).digest())
        return base64.b64encode(f"{head}.{body}.{sig}".encode()).decode()

    def member(self, req: Request) -> Member | None:
        """The signed-in member, or None (a guest, or any session the interceptor would refuse)."""
        member, _ = self.check(req)
        return member

    def check(self, req: Request) -> tuple[Member | None, str | None]:
        """(member, None) or (None, the interceptor's refusal message)."""
        ref = req.headers.get("referer")
        if ref and (urlsplit(ref).hostname or "") != (req.headers.get("host", "").split(":")[0]):
            return None, FOREIGN
        raw = req.cookie(COOKIE)
        if not raw:
            return None, EXPIRED
        try:
            head, body, sig = base64.b64decode(raw, validate=True).decode().split(".")
            want = _b64(hmac.new(self.key, f"{head}.{body}".encode(), hashlib.sha256).digest())
            if not hmac.compare_digest(want, sig):
                return None, EXPIRED
            claims = json.loads(_unb64(body))
        except (ValueError, UnicodeDecodeError):
            return None, EXPIRED
        m = self.store.members.get(int(claims.get("uid") or 0))
        if m is None or claims.get("expire", 0) < time.time() or claims.get("login_time") != m.login_time:
            return None, EXPIRED
        if m.status != 1:
            return None, EXPIRED  # a banned member reads exactly like an expired session
        return m, None
