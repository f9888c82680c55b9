"""Payment providers (epay, alipay, wechatpay): signing, verification and the active order query.

Every provider answers the same question the same way (``Provider.query`` → ``ProviderRecord``), so
the single-order diagnosis, the sweep and re-notify never care which provider a shop uses.
"""

from __future__ import annotations

from kmdiag.payment.providers.base import Provider, ProviderRecord, make_provider

__all__ = ["Provider", "ProviderRecord", "make_provider"]
