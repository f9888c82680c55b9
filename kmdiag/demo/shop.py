"""The demo shop's state and its core routes: product page, order API, health, order lookup.

Layer modules (``page``, ``accounts``, ``netfaults``, ``gateway``) add routes and behaviour to
the same :class:`App` through their ``setup(demo)`` hooks; this module keeps what every scenario
shares.
"""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from kmdiag.demo.http import App, Request, Response

if TYPE_CHECKING:
    from kmdiag.demo.runtime import DemoShop


@dataclass
class Product:
    id: int
    name: str
    price: Decimal
    cards: list[str] = field(default_factory=list)


@dataclass
class Order:
    id: str
    product_id: int
    amount: Decimal
    contact: str
    user: str | None
    created_at: float
    expires_at: float
    status: str = "unpaid"  # unpaid | paid-pending | processing | completed | failed | abnormal | expired | review
    info: str = ""
    notify_url: str = ""
    trade_no: str = ""
    notifies: list[dict[str, Any]] = field(default_factory=list)

    def public(self) -> dict[str, Any]:
        return {
            "id": self.id, "product_id": self.product_id, "amount": f"{self.amount:.2f}", "status": self.status,
            "created_at": int(self.created_at), "expires_at": int(self.expires_at), "info": self.info,
            "trade_no": self.trade_no,
        }


class ShopState:
    """Everything the shop knows. Guarded by one lock: handlers run on many threads."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.products: dict[int, Product] = {
            1: Product(1, "王者荣耀 60 点券 / Honor of Kings 60 coupons", Decimal("6.00"),
                       [f"KM-{i:04d}-CARD" for i in range(1, 21)]),
        }
        self.orders: dict[str, Order] = {}
        self._seq = itertools.count(1)
        self.order_ttl_s = 300.0
        self.order_requests = 0  # how many order requests reached the server

    def new_order_id(self) -> str:
        return time.strftime("KM%Y%m%d") + f"{next(self._seq):06d}"

    def create_order(self, product_id: int, contact: str, user: str | None) -> Order:
        with self.lock:
            p = self.products[product_id]
            now = time.time()
            o = Order(self.new_order_id(), product_id, p.price, contact, user, now, now + self.order_ttl_s)
            self.orders[o.id] = o
            return o


def setup(demo: DemoShop) -> None:
    """Core routes: health, order creation and lookup."""
    app: App = demo.shop_app
    st: ShopState = demo.state

    @app.route("GET", "/health")
    def health(req: Request) -> Response:
        return Response.json({"status": "ok", "time": int(time.time())})

    @app.route("GET", "/api/shop/status")
    def shop_status(req: Request) -> Response:
        # The page script asks this on load; a shop shedding load answers 503 + Retry-After here
        # (see demo/netfaults.py), and the page then disables its button the way busy shops do.
        return Response.json({"code": 0, "data": {"accepting_orders": True}})

    @app.route("GET", "/api/products/{pid}")
    def product(req: Request) -> Response:
        p = st.products.get(int(req.params["pid"])) if req.params["pid"].isdigit() else None
        if p is None:
            return Response.json({"code": 404, "msg": "商品不存在"}, 404)
        return Response.json({"code": 0, "data": {"id": p.id, "name": p.name, "price": f"{p.price:.2f}", "stock": len(p.cards)}})

    @app.route("POST", "/api/orders")
    def create(req: Request) -> Response:
        with st.lock:
            st.order_requests += 1
        body = req.json() or req.form()
        if not isinstance(body, dict):
            return Response.json({"code": 400, "msg": "请求格式错误 / bad request"}, 400)
        contact = str(body.get("contact", "")).strip()
        try:
            pid = int(body.get("product_id", 1))
        except (TypeError, ValueError):
            pid = -1
        if pid not in st.products:
            return Response.json({"code": 404, "msg": "商品不存在 / no such product"}, 404)
        if not contact:
            return Response.json({"code": 422, "msg": "请填写联系方式 / contact required"}, 422)
        user = demo.current_user(req)
        rejection = demo.order_gate(req, user)
        if rejection is not None:
            return rejection
        o = st.create_order(pid, contact, user)
        return Response.json({"code": 0, "msg": "下单成功", "data": {"order_id": o.id, "amount": f"{o.amount:.2f}",
                                                                 "pay_url": f"/pay/{o.id}"}}, 201)

    @app.route("GET", "/api/orders/{oid}")
    def get_order(req: Request) -> Response:
        o = st.orders.get(req.params["oid"])
        if o is None:
            return Response.json({"code": 404, "msg": "订单不存在"}, 404)
        return Response.json({"code": 0, "data": o.public()})
