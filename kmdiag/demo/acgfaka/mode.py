"""``--demo --platform acg-faka``: an acg-faka 3.6.0 shop as measured, its front proxy, an epay gateway.

The pieces, all on loopback: the shop (PHP's part: storefront, orders, members, callback — the
sibling modules), the reverse proxy before it (``proxy.py``; where the HTTP_HOST port trap lives),
the demo's epay gateway (``kmdiag/demo/pay/gateway.py``, MD5-signed notifies), and two DNS stubs (the
user's resolver and the trusted one). kmdiag is pointed at it with the *built-in* acg-faka profile,
re-rooted onto the demo exactly as a user's URL re-roots it (``profile.loader.reroot``).
"""

from __future__ import annotations

import secrets as _secrets
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kmdiag import tempdir
from kmdiag.demo import certs
from kmdiag.demo.acgfaka import callback, orders, storefront
from kmdiag.demo.acgfaka.faults import catalogue
from kmdiag.demo.acgfaka.members import Sessions
from kmdiag.demo.acgfaka.proxy import proxy_app
from kmdiag.demo.acgfaka.store import Store
from kmdiag.demo.dns_stub import Answer, DnsStub
from kmdiag.demo.http import App, Request, Response, Server
from kmdiag.demo.teardown import teardown
from kmdiag.errors import UsageError

SHOP_HOST = "faka.kmdiag.test"
PAY_HOST = "pay.kmdiag.test"
PLATFORM = "acg-faka"
# 彩虹易支付's real chain (≈0, 1, 3, 19, 55 min), the built-in profile's retry_schedule_s.
RETRY_SCHEDULE_S = (0, 60, 180, 1140, 3300)


class AcgFakaDemo:
    """Same face as :class:`kmdiag.demo.runtime.DemoShop` (start/stop, profile, vars, secrets, environ)."""

    platform = PLATFORM

    def __init__(self, faults: list[str] | tuple[str, ...] = (), command: str = "order") -> None:
        known = catalogue(command)
        unknown = [f for f in faults if f not in known]
        if unknown:
            import difflib

            hint = difflib.get_close_matches(unknown[0], list(known), n=1)
            raise UsageError(
                f"unknown acg-faka demo fault '{unknown[0]}' for '{command}'" + (f"; did you mean '{hint[0]}'?" if hint else ""),
                hint="known faults: " + (", ".join(sorted(known)) or "none"),
            )
        self.faults, self.command = set(faults), command
        self.tmp = Path(tempdir.mkdtemp("acgfaka-"))  # certificates and store: removed with the run
        self.store = Store(self.tmp / "acg-faka")
        self.sessions = Sessions(self.store)
        self.servers: list[Server] = []
        self.closers: list[Callable[[], None]] = []
        self.dns: dict[str, DnsStub] = {}
        self.vars: dict[str, Any] = {}
        self.environ: dict[str, str] = {}
        self.secrets: dict[str, str] = {}
        self.started = False

    def has(self, fault: str) -> bool:
        return fault in self.faults

    # -- life cycle --------------------------------------------------------------------------
    def start(self) -> AcgFakaDemo:
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        from kmdiag.demo.pay.gateway import Gateway

        _, ca_key, ca_cert = certs.make_ca("kmdiag Demo Root CA", self.tmp, "demo-ca")
        self.leaf = certs.make_leaf([SHOP_HOST, "127.0.0.1"], ca_key, ca_cert, self.tmp, "shop")  # the browser probe pins it
        key = _secrets.token_hex(16)
        self.gateway = Gateway(key, self.host_map(), schedule=RETRY_SCHEDULE_S)
        self.closers.append(self.gateway.close)
        gw_server = self._serve(self.gateway.app)
        gw_url = f"http://{PAY_HOST}:{gw_server.port}/"
        self.gateway.url = gw_url  # type: ignore[attr-defined]
        self.store.epay_key = key
        self._apply_faults()
        php = App()
        storefront.install(php, self.store, self.sessions)
        orders.install(php, self.store, self.sessions, gw_url)
        callback.install(php, self.store)
        self._request_log(php)
        backend = self._serve(php)
        self.proxy = self._serve(proxy_app(backend.port, lambda: not self.has("proxy-drops-port")))
        self.php_app = php
        for name, table in (("user", self._dns_table()), ("trusted", self._dns_table())):
            self.dns[name] = DnsStub(table)
        self.secrets["KMDIAG_EPAY_KEY"] = key
        self.vars.update(shop_host=SHOP_HOST, shop_port=self.proxy.port, pay_gateway=gw_url, base_url=self.base_url,
                         runtime_log=str(self.store.runtime_log), request_log=str(self.store.request_log),
                         user_dns=self.dns["user"].address, trusted_dns=self.dns["trusted"].address)
        self._members()
        self.started = True
        if self.command == "payment":
            from kmdiag.demo.acgfaka import stories

            stories.play(self)

    def _apply_faults(self) -> None:
        item = self.store.items[1]
        if self.has("captcha-off"):
            self.store.trade_captcha = 0
        if self.has("sold-out"):
            item.stock, item.cards = 0, []
        if self.has("members-only") or self.has("member-banned") or self.has("member-signed-in"):
            item.only_user = 1

    def _members(self) -> None:
        """The member's session as the shopper hands it to kmdiag (KMDIAG_TOKEN = the USER_SESSION value)."""
        m = self.store.members[7]
        if self.has("members-only"):
            self.secrets["KMDIAG_TOKEN"] = self.sessions.issue(m, expires_in=-3600)
        elif self.has("member-banned"):
            self.secrets["KMDIAG_TOKEN"] = self.sessions.issue(m)
            m.status = 0
        elif self.has("member-signed-in"):
            self.secrets["KMDIAG_TOKEN"] = self.sessions.issue(m)

    def _request_log(self, app: App) -> None:
        inner = app.dispatch

        def dispatch(req: Request) -> Response:
            started = time.time()
            resp = inner(req)
            params = dict(req.query) | (req.form() if req.method == "POST" else {})
            self.store.log_request({"time": started, "method": req.method, "uri": req.raw_target or req.path,
                                    "ip": req.headers.get("x-real-ip") or req.client, "host": req.headers.get("host"),
                                    "user_agent": req.headers.get("user-agent", ""), "params": params,
                                    "status": resp.status, "duration_ms": int((time.time() - started) * 1000)})
            return resp

        app.dispatch = dispatch  # type: ignore[method-assign]

    def _serve(self, app: App) -> Server:
        s = Server(app, "127.0.0.1", 0)
        self.servers.append(s)
        return s

    def _dns_table(self) -> dict[str, Answer]:
        return {SHOP_HOST: Answer(a=["127.0.0.1"]), PAY_HOST: Answer(a=["127.0.0.1"])}

    def stop(self) -> None:
        teardown(self.closers, self.servers, self.dns, self.tmp)
        self.started = False

    def __enter__(self) -> AcgFakaDemo:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what kmdiag is pointed at -----------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://{SHOP_HOST}:{self.proxy.port}/"

    def host_map(self) -> dict[str, str]:
        return {SHOP_HOST: "127.0.0.1", PAY_HOST: "127.0.0.1"}

    def profile(self) -> Any:
        """The built-in acg-faka profile, re-rooted onto the demo, with the demo's resolvers and files."""
        from kmdiag.profile.loader import load_profile, reroot

        prof = reroot(load_profile(PLATFORM), self.base_url + "item/1")
        net = prof.network.model_copy(update={
            "hosts": [SHOP_HOST], "system_resolver": self.vars["user_dns"],
            "trusted_resolvers": [self.vars["trusted_dns"]], "captive_portal": None})
        pay = prof.payment
        provider = pay.provider.model_copy(update={"gateway": self.vars["pay_gateway"].rstrip("/"), "merchant_id": "1001"})
        log = pay.callback_log.model_copy(update={"files": [str(self.store.runtime_log)]})
        return prof.model_copy(update={"network": net, "payment": pay.model_copy(
            update={"provider": provider, "callback_log": log})})
