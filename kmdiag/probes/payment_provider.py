"""Probe: the payment provider's record of the order (the active query).

Why: the provider is the source of truth for "was the money taken"; the article's remedy for lost
callbacks is exactly this query. Errors (rate limits, auth, network) are data in the record.
"""

from __future__ import annotations

from typing import Any

from kmdiag.i18n import T
from kmdiag.probes import ProbeContext, Skip
from kmdiag.probes._payment import client, now, order_id
from kmdiag.registry import probe


@probe("payment.provider", layer="payment", commands=("payment",), timeout=8.0)
async def provider_record(ctx: ProbeContext) -> dict[str, Any]:
    """Query the provider named in the profile, the plug-in's own way (``kmdiag.payment.providers``)."""
    from kmdiag.payment.providers.base import ProviderConfigError, make_provider

    oid = order_id(ctx)
    cfg = ctx.profile.payment.provider
    try:
        prov = make_provider(cfg, ctx.secrets)
    except ProviderConfigError as exc:
        raise Skip(T(zh=f"支付渠道配置不完整：「{exc}」", en=str(exc))) from None
    async with client(ctx, 6.0) as c:
        rec = await prov.query(c, oid)
    return {"kind": cfg.kind, "observed_at": now(), **rec.as_dict()}
