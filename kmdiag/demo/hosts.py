"""The demo's host names (all resolve to loopback).

Why its own module: the demo's layer modules (the payment package among them) need the names, and
runtime.py imports the layer modules; reading the names from runtime.py made each layer and the
runtime import each other.
"""

from __future__ import annotations

SHOP_HOST = "shop.kmdiag.test"
PAY_HOST = "pay.kmdiag.test"
PORTAL_HOST = "portal.kmdiag.test"
