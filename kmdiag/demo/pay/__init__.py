"""Demo: the payment side — an epay-compatible gateway, the shop's payment routes, the Alipay and
WeChat Pay cashiers, and the payment fault stories.

Why a package with one-way imports: these files used to import each other inside functions (a
five-module circle). Now each module imports only those below it::

    keys      gateway            (bottom: no sibling imports)
    shop                         (the shop's pay page and notify handler; sees the gateway's type only)
    alipay    wechat             (cashiers: plug their notify senders into the gateway)
    stories   seed               (fault stories; seeded orders for the sweep)
    __init__                     (setup: the demo runtime's layer module)

Importing the package registers the payment faults (``stories``), as the runtime expects of a layer.
"""

from __future__ import annotations

import json
import secrets as _secrets
from typing import TYPE_CHECKING

from kmdiag.demo.hosts import PAY_HOST, SHOP_HOST
from kmdiag.demo.pay import alipay, stories, wechat
from kmdiag.demo.pay import shop as payshop
from kmdiag.demo.pay.gateway import Gateway

if TYPE_CHECKING:
    from kmdiag.demo.runtime import DemoShop


def setup(demo: DemoShop) -> None:
    """Start the gateway on loopback, install the shop's payment side, play the fault's story."""
    key = _secrets.token_hex(16)
    gw = Gateway(key, {SHOP_HOST: "127.0.0.1", PAY_HOST: "127.0.0.1"})
    demo.__dict__["pay_gateway"] = gw
    server = demo.serve(gw.app)
    demo.closers.append(gw.close)
    gw_url = f"http://{PAY_HOST}:{server.port}/"
    gw.url = gw_url  # type: ignore[attr-defined]
    demo.vars.update(pay_port=server.port, pay_gateway=gw_url)
    demo.secrets["KMDIAG_DEMO_EPAY_KEY"] = key
    demo.vars.update(pay_kind="epay", md5_key_env="KMDIAG_DEMO_EPAY_KEY", pay_private_key_env="null",
                     alipay_public_key_env="null", apiv3_key_env="null", platform_public_key_env="null",
                     platform_public_key_id="null", cert_serial_no="null",
                     notify_method="GET", retry_schedule=json.dumps(list(gw.schedule)))
    payshop.install(demo, gw)
    alipay.install(demo, gw)
    wechat.install(demo, gw)
    if demo.command == "payment":
        stories.play(demo, gw)
