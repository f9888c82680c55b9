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
from typing import TYPE_CHECKING, Any, Protocol, cast, runtime_checkable

from kmdiag.i18n import T

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


# -- the plug-in: one module per provider, found in this package, registered in one map ----------


class Verifier(Protocol):
    def __call__(self, record: Mapping[str, Any]) -> dict[str, Any]: ...


@dataclass
class Resigned:
    """A callback kmdiag can rebuild and sign exactly as the provider would (``--renotify``)."""

    method: str  # "GET": params go in the query string; "POST": as a form body
    params: dict[str, str]
    reason: T  # what the agent is shown: why this callback is the provider's own


@runtime_checkable
class ProviderPlugin(Protocol):
    """Everything kmdiag knows about one provider kind — the module ``providers/<kind>.py`` itself.

    Nothing outside this package names a provider: probes, checks, re-notify and the profile schema
    ask the plug-in of ``payment.provider.kind``. A new provider is a new module here with these
    names (plus its demo cashier and its tests); :data:`PROVIDERS` finds it by its file name.
    """

    KIND: str  # == the module's name == the profile's ``payment.provider.kind``
    KEY_NAME: T  # the key that verifies its notifies, in words ("epay merchant MD5 key")
    PUBLIC_KEY_NAME: T | None  # the key that verifies its answers to a query; None: answers are not signed
    CONFIG_FIELDS: Mapping[str, str]  # its own ``payment.provider`` fields (secrets' env names ...) → description
    DEPRECATED_KEY_ENV: str | None  # what the old ``key_env`` meant for this kind (migrated with a warning)
    DEPRECATED_PUBLIC_KEY_ENV: str | None  # the same for the old ``public_key_env``
    NOTIFY_METHOD: str  # how its notifies arrive: "GET" or "POST"
    SUCCESS_REPLY: str | None  # the reply it wants; None: the HTTP status decides
    CANDIDATE_MARKER: bytes | None  # a log line naming no order but holding this may be its notify
    CONSOLE_STEPS: T  # where an agent re-sends a notify by hand in the provider's console
    VERDICT_TEXT: Mapping[str, T]  # its own words for verdicts ("not-decrypted", "headers-missing" ...; {n})

    def from_config(self, cfg: ProviderConfig, secrets: Mapping[str, str]) -> Provider:
        """The query side, with its keys; ProviderConfigError when the profile or env lacks one."""
        ...

    def verifier(self, cfg: ProviderConfig, secrets: Mapping[str, str]) -> Verifier | None:
        """``fn(record) -> verdict`` for a recorded notify in any of its shapes; None without a key."""
        ...

    def reply_ok(self, status: Any, body: str, success_reply: str | None = None) -> bool:
        """Whether the provider takes the shop's answer to a notify as "received"."""
        ...

    def callback_amount(self, params: Mapping[str, Any]) -> Decimal | None:
        """The amount a notify carries, to the cent (its own field and unit)."""
        ...

    def resign(self, cfg: ProviderConfig, secrets: Mapping[str, str], record: ProviderRecord,
               order_id: str) -> Resigned | None:
        """The notify rebuilt and signed for ``--renotify``; None when only the provider can sign it."""
        ...


def _discover() -> dict[str, str]:
    """Every module of this package but ``base`` and private ones: the file name is the kind."""
    import pkgutil
    from pathlib import Path

    names = sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]))
    return {n: f"{__package__}.{n}" for n in names if not n.startswith("_") and n != "base"}


# The one map of provider kinds → their module (kinds listed without importing any of them).
PROVIDERS: dict[str, str] = _discover()
DEFAULT_KIND = "epay"  # a profile that names no kind: the gateway most 发卡 shops use


def plugin(kind: str) -> ProviderPlugin:
    """The module implementing ``kind`` (imported on first use: RSA code stays out of ``--help``)."""
    import importlib

    name = PROVIDERS.get(kind)
    if name is None:
        raise ProviderConfigError(f"unknown provider kind: {kind}")
    return cast(ProviderPlugin, importlib.import_module(name))


def plugin_or_none(kind: Any) -> ProviderPlugin | None:
    """The plug-in of a kind read back from a measurement (may be missing or unknown)."""
    return plugin(kind) if isinstance(kind, str) and kind in PROVIDERS else None


def plugins() -> list[ProviderPlugin]:
    """Every registered plug-in (the profile schema builds the kind-specific fields from them)."""
    return [plugin(k) for k in PROVIDERS]


def make_provider(profile_provider: ProviderConfig, secrets: Mapping[str, str]) -> Provider:
    """The provider the profile names, with its keys looked up in ``secrets`` (env name → value).

    Raises ProviderConfigError when a required key or the gateway is missing: that is a usage
    problem the caller reports once, not a per-order error.
    """
    return plugin(profile_provider.kind).from_config(profile_provider, secrets)


def make_verifier(profile_provider: ProviderConfig, secrets: Mapping[str, str]) -> Verifier | None:
    """``fn(record) -> verdict`` for the profile's provider, or None when no verifying key is set.

    A verdict is a dict: ``signature`` (True / False / None = could not be judged), ``code`` (why),
    and for WeChat Pay v3 ``decrypted`` / ``decrypt_code`` / ``transaction`` (the resource opened
    with the APIv3 key). One signature for every caller: probes, re-notify and the sweep.
    """
    return plugin(profile_provider.kind).verifier(profile_provider, secrets)


def verdict(signature: bool | None, code: str, **more: Any) -> dict[str, Any]:
    return {"signature": signature, "code": code, **more}


def secret(secrets: Mapping[str, str], env_name: str | None, what: str) -> str:
    """The value of the env var the profile names for ``what``; a clear error when it is unset."""
    if not env_name:
        raise ProviderConfigError(f"the profile does not name an environment variable for the {what}")
    value = secrets.get(env_name)
    if not value:
        raise ProviderConfigError(f"environment variable {env_name} (the {what}) is not set")
    return value
