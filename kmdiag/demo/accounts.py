"""Demo: shoppers, sessions and the account API, with account faults that change real state.

The demo has one shopper, ``demo-buyer``. At start-up the demo signs that shopper in by itself and
hands the real session token to kmdiag the way a user's token arrives: through the environment
variable the demo profile names (``demo.secrets["KMDIAG_TOKEN"]``). The profile sends it as the
``km_session`` cookie, which is also how the page and a browser carry it.

Faults change the account, never a flag kmdiag reads:

* ``not-logged-in`` — the handed-out session is already expired server-side: ``/api/user/me``
  answers 401 and the order API refuses requests that carry it.
* ``remote-login`` — the last login comes from another region; ordering is held (code 1002).
* ``identity-unverified`` — no real-name verification; ordering is refused (code 1001).
* ``risk-blocked`` — risk level 4 (suspected order brushing); ordering is refused (code 1003).

For the last three ``/api/user/me`` says ``can_order: false``, and the page script disables the
button silently on that answer, as real shops do.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kmdiag.demo.faults import register
from kmdiag.demo.http import Request, Response
from kmdiag.i18n import T

if TYPE_CHECKING:
    from kmdiag.demo.runtime import DemoShop

COOKIE = "km_session"
TOKEN_ENV = "KMDIAG_TOKEN"
HOME = "浙江 杭州"
RISK_LIMIT = 3  # risk_level at or above this blocks ordering (the demo profile's expression says the same)


def new_token() -> str:
    """A fresh session token (a module function so a test can pin it and then search outputs for it)."""
    return secrets.token_urlsafe(24)

register("not-logged-in", "order", "account",
         T(zh="会话已过期：账户接口回答 401，下单请求被拒绝", en="the session has expired: the account API answers 401 and orders are refused"),
         expect="account.not-logged-in")
register("remote-login", "order", "account",
         T(zh="账户被标记为异地登录（广东 深圳 ≠ 浙江 杭州），下单被暂停", en="the account is flagged for a login from another region; ordering is held"),
         expect="account.remote-login")
register("identity-unverified", "order", "account",
         T(zh="账户未完成实名认证，平台拒绝下单", en="the account has no real-name verification; orders are refused"),
         expect="account.identity-unverified")
register("risk-blocked", "order", "account",
         T(zh="账户被风控（疑似刷单），下单被拒绝、按钮被静默禁用", en="risk control holds the account (suspected brushing); orders refused, button silently disabled"),
         expect="account.risk-blocked")


@dataclass
class Shopper:
    name: str
    uid: int
    realname_verified: bool = True
    risk_level: int = 0
    risk_reason: str | None = None
    usual_region: str = HOME
    last_region: str = HOME
    last_ip: str = "203.0.113.10"

    @property
    def remote_login(self) -> bool:
        return self.last_region != self.usual_region

    def refusal(self) -> tuple[int, str] | None:
        """Why this shopper may not order (code, message), in the platform's own words; None if they may."""
        if self.risk_level >= RISK_LIMIT:
            return 1003, "账户存在风险，暂时无法下单，请联系客服"
        if self.remote_login:
            return 1002, "检测到异地登录，请重新验证身份后下单"
        if not self.realname_verified:
            return 1001, "请先完成实名认证后再下单"
        return None


@dataclass
class AccountStore:
    """Shoppers and sessions; handlers run on many threads."""

    shoppers: dict[str, Shopper] = field(default_factory=dict)
    sessions: dict[str, tuple[str, float]] = field(default_factory=dict)  # token -> (shopper, expires_at)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def sign_in(self, name: str, ttl_s: float = 3600.0) -> str:
        token = new_token()
        with self.lock:
            self.sessions[token] = (name, time.time() + ttl_s)
        return token

    def expire(self, token: str) -> None:
        with self.lock:
            name, _ = self.sessions[token]
            self.sessions[token] = (name, time.time() - 60)

    def lookup(self, token: str | None) -> Shopper | None:
        if not token:
            return None
        with self.lock:
            entry = self.sessions.get(token)
            if entry is None or entry[1] < time.time():
                return None
            return self.shoppers.get(entry[0])


def presented_token(req: Request) -> str | None:
    """The session a request carries: cookie ``km_session`` or ``Authorization: Bearer``."""
    auth = req.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip() or None
    return req.cookie(COOKIE) or None


def _me(shopper: Shopper) -> dict[str, Any]:
    refusal = shopper.refusal()
    return {
        "user": {"id": shopper.uid, "name": shopper.name, "phone": "138****8000"},
        "realname_verified": shopper.realname_verified,
        "risk_level": shopper.risk_level,
        "risk_reason": shopper.risk_reason,
        "last_login": {"region": shopper.last_region, "ip": shopper.last_ip, "at": int(time.time()) - 120},
        "usual_region": shopper.usual_region,
        "remote_login": shopper.remote_login,
        "can_order": refusal is None,
    }


def setup(demo: DemoShop) -> None:
    """Create the shopper, sign the run in, add the account API, the user resolver and the order gate."""
    store = AccountStore()
    buyer = Shopper("demo-buyer", 10086)
    if demo.has("remote-login"):
        buyer.last_region, buyer.last_ip = "广东 深圳", "198.51.100.20"
    if demo.has("identity-unverified"):
        buyer.realname_verified = False
    if demo.has("risk-blocked"):
        buyer.risk_level, buyer.risk_reason = 4, "疑似刷单 / suspected order brushing"
    store.shoppers[buyer.name] = buyer
    token = store.sign_in(buyer.name)
    if demo.has("not-logged-in"):
        store.expire(token)  # the session the shopper holds is dead on the server

    demo.accounts = store  # type: ignore[attr-defined]  # for tests and the foreground demo
    demo.secrets[TOKEN_ENV] = token
    demo.vars["session_cookie"] = {"name": COOKIE, "value": token, "domain": "shop.kmdiag.test"}
    demo.vars["login_url"] = f"https://127.0.0.1:{demo.shop.port}/login"

    app = demo.shop_app

    def resolve_user(req: Request) -> str | None:
        shopper = store.lookup(presented_token(req))
        return shopper.name if shopper else None

    demo.user_resolvers.append(resolve_user)

    def gate(req: Request, user: str | None) -> Response | None:
        if user is None:
            if presented_token(req):  # a session was presented, and it is expired or unknown
                return Response.json({"code": 401, "msg": "登录已过期，请重新登录", "data": None}, 401)
            return None  # guest checkout, as on most 发卡 shops
        shopper = store.shoppers.get(user)
        refusal = shopper.refusal() if shopper else None
        if refusal is not None:
            code, msg = refusal
            return Response.json({"code": code, "msg": msg, "data": None})  # HTTP 200, as these platforms do
        return None

    demo.gates.append(gate)

    @app.route("GET", "/api/user/me")
    def me(req: Request) -> Response:
        shopper = store.lookup(presented_token(req))
        if shopper is None:
            return Response.json({"code": 401, "msg": "登录已过期，请重新登录", "data": None}, 401)
        return Response.json({"code": 0, "msg": "ok", "data": _me(shopper)})

    @app.route("GET", "/login")
    def login(req: Request) -> Response:
        # For a person clicking through `kmdiag demo`: become demo-buyer (with this run's session).
        return Response(302, "", {"Location": "/buy/1", "Set-Cookie": f"{COOKIE}={token}; Path=/; HttpOnly; Secure; SameSite=Lax"})

    @app.route("POST", "/api/user/logout")
    def logout(req: Request) -> Response:
        return Response.json({"code": 0, "msg": "ok"}, headers={"Set-Cookie": f"{COOKIE}=; Path=/; Max-Age=0"})
