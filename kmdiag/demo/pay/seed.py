"""Demo: thousands of seeded shop orders with gateway orders, some of them lost (掉单).

Why: the sweep's tests and its 10,000-order benchmark need a shop full of pending orders without
playing 10,000 stories over HTTP. Uses the gateway and the shop side; nothing in ``pay`` uses it.
"""

from __future__ import annotations

import random
import time
from typing import TYPE_CHECKING

from kmdiag.demo.pay import shop as payshop
from kmdiag.demo.pay.gateway import gateway_of
from kmdiag.payment.providers import epay

if TYPE_CHECKING:
    from kmdiag.demo.runtime import DemoShop


def seed_orders(demo: DemoShop, n: int, lost: int, seed: int = 0) -> list[str]:
    """Make ``n`` unpaid shop orders with gateway orders; ``lost`` of them paid at the gateway only (掉单).

    Fast (no HTTP): for the sweep's tests and its 10,000-order benchmark. Returns the lost order ids.
    """
    gw = gateway_of(demo)
    shop = payshop.shop_of(demo)
    rng = random.Random(seed)
    now = time.time()
    ids: list[str] = []
    st = demo.state
    with st.lock, gw.lock:
        for _ in range(n):
            o = st.create_order(1, "13800138000", None)
            o.created_at = now - rng.uniform(60, 3600)
            o.expires_at = o.created_at + 86400
            o.notify_url = shop.notify_url
            g = gw.create({"out_trade_no": o.id, "type": "alipay", "name": o.id, "money": epay.format_money(o.amount),
                           "notify_url": o.notify_url, "return_url": shop.return_url})
            g.addtime = o.created_at
            ids.append(o.id)
        chosen = sorted(rng.sample(range(n), min(lost, n)))
        lost_ids = [ids[i] for i in chosen]
        for oid in lost_ids:
            g = gw.orders[oid]
            g.status, g.endtime = 1, now - rng.uniform(0, 50)
            g.attempts.append({"time": g.endtime, "ok": False, "status": None, "error": "lost in transit",
                               "body": "", "duration_ms": 0})
    return lost_ids
