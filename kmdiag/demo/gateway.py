"""Demo: gateway (filled in by its layer)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kmdiag.demo.runtime import DemoShop


def setup(demo: DemoShop) -> None:
    return None
