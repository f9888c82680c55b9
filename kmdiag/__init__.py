"""kmdiag: a command-line doctor for virtual-goods shops (卡盟 / 发卡).

Two questions bring people to it: "the order button does nothing" (``kmdiag order``) and "I paid,
but the order still says pending" (``kmdiag payment ORDER_ID``).
"""

from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["__version__"]
