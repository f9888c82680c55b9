"""The acg-faka demo's data: goods, pay methods, orders, members, captchas, rate limits and its logs.

Why a store of its own: acg-faka 3.6.0 keeps its state in MariaDB tables with its own shapes (an
18-digit ``trade_no``, ``status`` 0/1, ``delivery_status`` 0/1, the notify URL in the order's option
row) and writes two logs kmdiag reads on real shops — ``app/Pay/Epay/runtime.log`` (refused callbacks
only, UTC+8, no trade number) and the request log (one JSON line per request). Reference §7, §7.1.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

CN = timezone(timedelta(hours=8))  # acg-faka writes runtime.log in UTC+8 whatever the server's zone


def cn_time(epoch: float | None = None) -> str:
    """``YYYY-MM-DD HH:MM:SS`` in UTC+8, as acg-faka's ``Date::current()`` and runtime.log write it."""
    return datetime.fromtimestamp(time.time() if epoch is None else epoch, CN).strftime("%Y-%m-%d %H:%M:%S")


@dataclass
class Item:
    id: int
    name: str
    price: Decimal
    stock: int
    only_user: int = 0  # 1 = members only (trade answers 请先登录后再购买哦 to a guest)
    status: int = 1  # 1 on sale
    cards: list[str] = field(default_factory=list)


@dataclass
class PayMethod:
    id: int
    name: str  # the label on the button: 支付宝 / 微信支付
    code: str  # the epay ``type``: alipay / wxpay
    handle: str = "Epay"
    icon: str = "/assets/static/images/alipay.png"


@dataclass
class Order:
    trade_no: str
    item_id: int
    pay_id: int
    amount: Decimal
    contact: str
    owner: int
    create_time: float
    create_ip: str
    status: int = 0  # 0 未支付, 1 已支付
    delivery_status: int = 0  # 0 未发货, 1 已发货
    pay_time: float | None = None
    secret: str | None = None
    option: dict[str, str] = field(default_factory=dict)  # acg_order_option: the form posted to the gateway


@dataclass
class Member:
    id: int
    username: str
    status: int = 1  # users.status: 1 normal; anything else is banned
    login_time: str = ""


class RateLimit:
    """N requests per window per client IP (order state: 120 / 600 s; order query: 30 / 600 s)."""

    def __init__(self, limit: int, window_s: float) -> None:
        self.limit, self.window_s = limit, window_s
        self.hits: dict[str, deque[float]] = {}
        self.lock = threading.Lock()

    def allow(self, ip: str) -> bool:
        now = time.monotonic()
        with self.lock:
            q = self.hits.setdefault(ip, deque())
            while q and q[0] <= now - self.window_s:
                q.popleft()
            if len(q) >= self.limit:
                return False
            q.append(now)
            return True


class Store:
    """Everything the shop knows; one lock because PHP's SERIALIZABLE transactions serialise too."""

    def __init__(self, root: Path) -> None:
        self.lock = threading.RLock()
        self.root = root
        self.items: dict[int, Item] = {
            1: Item(1, "游戏点卡 10元", Decimal("1.50"), stock=50, cards=[f"CARD-{i:04d}-DEMO" for i in range(50)]),
        }
        self.pays: dict[int, PayMethod] = {
            1: PayMethod(1, "支付宝", "alipay"),
            2: PayMethod(2, "微信支付", "wxpay", icon="/assets/static/images/wxpay.png"),
        }
        self.orders: dict[str, Order] = {}
        self.members: dict[int, Member] = {7: Member(7, "demo_member", 1, cn_time())}
        self.trade_captcha = 1  # trade_verification on by default
        self.callback_domain = ""  # admin 设置→其他 自定义支付回调域名 (empty: scheme://Host)
        self.captchas: dict[str, str] = {}  # ACG-SHOP PHP session id -> the code shown in the image
        self.state_limit = RateLimit(120, 600)
        self.query_limit = RateLimit(30, 600)
        self.epay_key = ""  # the Epay plugin's configured key (a wrong one in the wrong-epay-key story)
        self.rng = random.Random()
        self.runtime_log = root / "app" / "Pay" / "Epay" / "runtime.log"
        self.request_log = root / "runtime" / "request" / "0f3c6bd5e1b7a2c8d4e6f8a0b2c4d6e8" / f"{time.strftime('%Y-%m-%d')}.log"
        for p in (self.runtime_log, self.request_log):
            p.parent.mkdir(parents=True, exist_ok=True)
            p.touch()
        self._log_lock = threading.Lock()

    def trade_no(self) -> str:
        """18 digits (``Str::generateTradeNo``): here the UTC+8 date-time and six random digits."""
        with self.lock:
            while True:
                no = datetime.now(CN).strftime("%y%m%d%H%M%S") + f"{self.rng.randrange(10**6):06d}"
                if no not in self.orders:
                    return no

    def callback_fail(self, reason: str) -> None:
        """One ``[CALLBACK][Y-m-d H:i:s]:reason`` line: only refused callbacks, no trade number, no caller."""
        with self._log_lock, open(self.runtime_log, "a", encoding="utf-8") as fh:
            fh.write(f"[CALLBACK][{cn_time()}]:{reason}\n")

    def log_request(self, entry: dict[str, Any]) -> None:
        """The request logger: one JSON line per request, ``sign`` masked."""
        params = dict(entry.get("params") or {})
        if "sign" in params:
            params["sign"] = "******"
        entry = entry | {"params": params}
        with self._log_lock, open(self.request_log, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(entry, ensure_ascii=False) + "\n")

    def order_rows(self) -> int:
        with self.lock:
            return len(self.orders)
