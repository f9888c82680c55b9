"""The provider interface: one order's truth as the payment provider sees it.

Why a record and not exceptions: the diagnosis, the sweep (thousands of orders) and re-notify all
need "what did the provider say" as plain data, including "it did not answer" — a provider outage
or a 429 is a fact about the world, not a bug. So ``query`` never raises for the network or the
provider; it fills ``error`` (``"rate-limited"`` with ``retry_after`` for 429/503) instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import httpx

    from kmdiag.profile.schema import Provider as ProviderConfig


@dataclass
class ProviderRecord:
    """What the provider knows about one merchant order (``order_id`` = the shop's order number)."""

    order_id: str
    found: bool
    paid: bool
    status: str  # the provider's own status word: "1"/"0" (epay), TRADE_SUCCESS, SUCCESS/NOTPAY ...
    amount: Decimal | None
    trade_no: str | None
    paid_at: float | None  # epoch seconds
    raw: dict[str, Any] = field(default_factory=dict)
    error: str | None = None  # "rate-limited" | "network: ..." | "http 500" | "auth: ..." | "bad-response: ..."
    retry_after: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-able form for measurements (Decimal → string, to the cent)."""
        return {
            "order_id": self.order_id, "found": self.found, "paid": self.paid, "status": self.status,
            "amount": str(self.amount) if self.amount is not None else None, "trade_no": self.trade_no,
            "paid_at": self.paid_at, "raw": self.raw, "error": self.error, "retry_after": self.retry_after,
        }


class Provider(Protocol):
    """A payment provider the shop uses. ``kind`` is the profile's ``provider.kind``."""

    kind: str

    async def query(self, client: httpx.AsyncClient, order_id: str) -> ProviderRecord:
        """Ask the provider about ``order_id``; never raises for network or provider errors."""
        ...


class ProviderConfigError(Exception):
    """The profile or the environment lacks what this provider needs (a key, a gateway URL)."""


def error_record(order_id: str, error: str, retry_after: float | None = None, raw: Mapping[str, Any] | None = None) -> ProviderRecord:
    """A record for "the provider could not tell us" — the order appears, with the reason."""
    return ProviderRecord(order_id, False, False, "unknown", None, None, None, dict(raw or {}), error, retry_after)


def http_error(order_id: str, status: int, headers: Mapping[str, str], text: str) -> ProviderRecord:
    """429/503 → rate-limited with Retry-After (seconds), anything else non-2xx → ``http NNN``."""
    if status in (429, 503):
        ra = parse_retry_after(headers.get("retry-after"))
        return error_record(order_id, "rate-limited", ra if ra is not None else 1.0, {"status": status})
    return error_record(order_id, f"http {status}", None, {"status": status, "body": text[:300]})


def parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            import time

            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            return None


def make_provider(profile_provider: ProviderConfig, secrets: Mapping[str, str]) -> Provider:
    """The provider the profile names, with its keys looked up in ``secrets`` (env name → value).

    Raises ProviderConfigError when a required key or the gateway is missing: that is a usage
    problem the caller reports once, not a per-order error.
    """
    kind = profile_provider.kind
    if kind == "epay":
        from kmdiag.payment.providers.epay import EpayProvider

        return EpayProvider.from_config(profile_provider, secrets)
    if kind == "alipay":
        from kmdiag.payment.providers.alipay import AlipayProvider

        return AlipayProvider.from_config(profile_provider, secrets)
    if kind == "wechatpay":
        from kmdiag.payment.providers.wechatpay import WechatPayProvider

        return WechatPayProvider.from_config(profile_provider, secrets)
    raise ProviderConfigError(f"unknown provider kind: {kind}")


def secret(secrets: Mapping[str, str], env_name: str | None, what: str) -> str:
    """The value of the env var the profile names for ``what``; a clear error when it is unset."""
    if not env_name:
        raise ProviderConfigError(f"the profile does not name an environment variable for the {what}")
    value = secrets.get(env_name)
    if not value:
        raise ProviderConfigError(f"environment variable {env_name} (the {what}) is not set")
    return value
