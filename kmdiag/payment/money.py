"""Money as the providers send it: compared as Decimal to the cent, never as strings.

epay casts amounts to float before sending (``1.00`` arrives as ``1``), so a shop comparing strings
sees a mismatch where there is none; everything in kmdiag that compares amounts goes through here.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any


def to_decimal(value: Any) -> Decimal | None:
    """A money value as Decimal to the cent, or None when it is missing or not a number."""
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        return None
