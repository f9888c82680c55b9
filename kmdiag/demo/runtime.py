"""Start and stop the whole demo: certificates, resolvers, shop, gateway, fault servers.

``DemoShop(faults).start()`` is used in-process by ``kmdiag order --demo`` and ``kmdiag payment
--demo``, in the foreground by ``kmdiag demo``, and by the tests. Layer modules hook in through
``setup(demo)``; they may add routes, start extra loopback servers, change the resolver tables and
set ``demo.vars`` that the demo profile's ``{{placeholders}}`` take.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kmdiag import tempdir
from kmdiag.demo import certs
from kmdiag.demo.dns_stub import Answer, DnsStub
from kmdiag.demo.faults import for_command
from kmdiag.demo.hosts import PAY_HOST, PORTAL_HOST, SHOP_HOST
from kmdiag.demo.http import App, Request, Response, Server
from kmdiag.demo.shop import ShopState
from kmdiag.demo.teardown import teardown
from kmdiag.errors import UsageError

# Layer modules, in set-up order. Each has ``setup(demo)``; each registers its faults on import.
_MODULES = (
    "kmdiag.demo.shop",
    "kmdiag.demo.page",
    "kmdiag.demo.accounts",
    "kmdiag.demo.netfaults",
    "kmdiag.demo.pay",
)


def load_modules() -> list[Any]:
    return [importlib.import_module(m) for m in _MODULES]


def known_faults(command: str) -> list[str]:
    load_modules()
    return sorted(for_command(command))


class DemoShop:
    def __init__(self, faults: list[str] | tuple[str, ...] = (), command: str = "order") -> None:
        mods = load_modules()
        self._mods = mods
        known = for_command(command)
        unknown = [f for f in faults if f not in known]
        if unknown:
            import difflib

            hint = difflib.get_close_matches(unknown[0], list(known), n=1)
            raise UsageError(
                f"unknown demo fault '{unknown[0]}' for '{command}'" + (f"; did you mean '{hint[0]}'?" if hint else ""),
                hint="known faults: " + ", ".join(sorted(known)),
            )
        self.faults = set(faults)
        self.command = command
        self.state = ShopState()
        self.shop_app = App()
        self.servers: list[Server] = []
        self.closers: list[Callable[[], None]] = []
        self.dns: dict[str, DnsStub] = {}
        self.user_dns: dict[str, Answer] = {}
        self.trusted_dns: dict[str, Answer] = {}
        self.vars: dict[str, Any] = {}
        self.environ: dict[str, str] = {}  # environment the diagnosis should see (e.g. a proxy variable)
        self.secrets: dict[str, str] = {}  # env-var name -> value handed to kmdiag (the demo user's token...)
        self.gates: list[Callable[[Request, str | None], Response | None]] = []
        self.user_resolvers: list[Callable[[Request], str | None]] = []
        self.tmp = Path(tempdir.mkdtemp("demo-"))  # its CA private key lives here: removed with the run
        self.started = False

    # -- hooks used by layer modules ---------------------------------------------------------
    def has(self, fault: str) -> bool:
        return fault in self.faults

    def current_user(self, req: Request) -> str | None:
        for fn in self.user_resolvers:
            u = fn(req)
            if u:
                return u
        return None

    def order_gate(self, req: Request, user: str | None) -> Response | None:
        for gate in self.gates:
            r = gate(req, user)
            if r is not None:
                return r
        return None

    def serve(self, app: App, host: str = "127.0.0.1", port: int = 0, tls: Any = None) -> Server:
        s = Server(app, host, port, tls)
        self.servers.append(s)
        return s

    # -- life cycle --------------------------------------------------------------------------
    def start(self) -> DemoShop:
        try:
            return self._start()
        except BaseException:  # Ctrl-C or a failure half-way: close what did start, remove the temp dir
            self.stop()
            raise

    def _start(self) -> DemoShop:
        ca_pair, ca_key, ca_cert = certs.make_ca("kmdiag Demo Root CA", self.tmp, "demo-ca")
        self.ca = ca_pair
        self.ca_key, self.ca_cert = ca_key, ca_cert
        self.leaf = certs.make_leaf([SHOP_HOST, PAY_HOST, "127.0.0.1"], ca_key, ca_cert, self.tmp, "shop")
        self.shop = self.serve(self.shop_app, tls=self.leaf.server_context())
        self.vars.update(shop_port=self.shop.port, ca_bundle=str(ca_pair.cert_path), shop_host=SHOP_HOST,
                         pay_host=PAY_HOST, portal_host=PORTAL_HOST)
        for name in (SHOP_HOST, PAY_HOST, PORTAL_HOST):
            self.user_dns[name] = Answer(a=["127.0.0.1"])
            self.trusted_dns[name] = Answer(a=["127.0.0.1"])
        for mod in self._mods:
            setup = getattr(mod, "setup", None)
            if setup is not None:
                setup(self)
        self.dns["user"] = DnsStub(self.user_dns)
        self.dns["trusted"] = DnsStub(self.trusted_dns)
        self.vars.update(user_dns=self.dns["user"].address, trusted_dns=self.dns["trusted"].address)
        self.started = True
        return self

    def stop(self) -> None:
        teardown(self.closers, self.servers, self.dns, self.tmp)
        self.started = False

    def __enter__(self) -> DemoShop:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what kmdiag is pointed at -----------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"https://{SHOP_HOST}:{self.shop.port}/"

    def profile_text(self) -> str:
        from kmdiag.profile.loader import builtin_profiles

        text = builtin_profiles()["demo"].read_text(encoding="utf-8")
        for k, v in self.vars.items():
            text = text.replace("{{" + k + "}}", str(v))
        return text

    def profile(self) -> Any:
        from kmdiag.profile.loader import parse_profile

        return parse_profile(self.profile_text(), "profiles/demo.yaml (demo)")

    def host_map(self) -> dict[str, str]:
        """Name → address as the user's resolver answers, for the browser's resolver rules."""
        out = {}
        for name, ans in self.user_dns.items():
            if ans.a and not ans.drop and ans.rcode == "NOERROR":
                out[name] = ans.a[0]
        return out
