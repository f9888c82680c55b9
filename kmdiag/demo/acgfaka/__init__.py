"""The acg-faka 3.6.0 demo platform (``--demo --platform acg-faka``); see ``mode.py``.

Imports go one way: ``mode`` → the shop's parts (``storefront``, ``orders``, ``callback``,
``members``, ``captcha``, ``proxy``, ``stories``) → ``store``; nothing imports ``mode`` back.
"""

from __future__ import annotations
