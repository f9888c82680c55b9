"""The demo gateway's old import path, kept only for files of the parallel ``sweep`` branch.

The gateway now lives in :mod:`kmdiag.demo.pay.gateway` (issue 11: the demo's payment side is one
package with one-way imports). ``payment/sweep_cli.py``, ``benchmarks/sweep.py`` and
``tests/payment_sweep/`` still say ``from kmdiag.demo import gateway`` while ``sweep`` moves them;
delete this shim once they import ``kmdiag.demo.pay`` directly.
"""

from __future__ import annotations

from kmdiag.demo.pay.gateway import Gateway, GwOrder, gateway_of
from kmdiag.demo.pay.seed import seed_orders

__all__ = ["Gateway", "GwOrder", "gateway_of", "seed_orders"]
