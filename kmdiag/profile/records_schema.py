"""Profile parts that say where callback records come from and what a record's fields mean.

Why a mapping: no two shops write notify records alike — an admin API names them ``created``,
``uri``, ``code``, ``body``, ``cost``; nginx writes an access log; acg-faka a ``runtime.log``; a DB
export is CSV or JSON lines. Every field is a JMESPath expression compiled when the profile loads
(a broken one fails with its line), evaluated against one record (an API row, a JSON line, a CSV
row as an object of its columns).

Also here: the order record's field names (a closed set, so ``order_fields.remark`` — a key kmdiag
would silently ignore — is refused) and the per-kind provider key fields with their old names.
"""

from __future__ import annotations

import contextvars
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


def compile_jmespath(v: str | None) -> str | None:
    """A broken expression must fail at load time with its line, not silently at run time."""
    if v is not None:
        import jmespath
        from jmespath.exceptions import JMESPathError

        try:
            jmespath.compile(v)
        except JMESPathError as exc:
            raise ValueError(f"not a valid JMESPath expression: {str(exc).splitlines()[0]}") from None
    return v


class RecordFields(_M):
    """JMESPath into one callback record → kmdiag's fields. Unset fields are simply not known."""

    time: str | None = Field(None, description="When the callback arrived: epoch (s or ms), 'Y-m-d H:M:S', ISO 8601 or nginx '01/Dec/2026:08:00:00 +0000'.")
    method: str | None = Field(None, description="HTTP method (GET/POST).")
    url: str | None = Field(None, description="The full URL or path with its query string (split into path + query).")
    path: str | None = Field(None, description="The path alone.")
    query: str | None = Field(None, description="The query string ('a=1&b=2') or an object of its fields: epay GET notifies are signed here.")
    form: str | None = Field(None, description="The POSTed form, as a string or an object (Alipay, epay POST).")
    params: str | None = Field(None, description="Already-decoded parameters (an object), whatever carried them.")
    raw_body: str | None = Field(None, description="The body exactly as received (WeChat Pay v3 signs these bytes; an Alipay form body).")
    headers: str | None = Field(None, description="An object of request headers (WeChat Pay v3: Wechatpay-Signature, -Timestamp, -Nonce, -Serial).")
    status: str | None = Field(None, description="The HTTP status the shop answered.")
    reply: str | None = Field(None, description="The body the shop answered.")
    duration: str | None = Field(None, description="How long the shop took to answer (unit: duration_unit).")
    reason: str | None = Field(None, description="The shop's own words about the callback (an error, a refusal reason).")
    order_id: str | None = Field(None, description="The order number the record is about (files: only records whose value equals the order are read).")

    @field_validator("*")
    @classmethod
    def _jmespath(cls, v: str | None) -> str | None:
        return compile_jmespath(v)


# What the built-in demo-shaped admin API answers: the defaults for ``callback_log.endpoint``.
DEFAULT_API_FIELDS = RecordFields(
    time="time || created_at", method="method", path="path", params="params || query || body",
    raw_body="raw_body", headers="headers", status="status || http_status", reply="reply || response",
    duration="duration_ms", reason="reason",
)
DEFAULT_API_RECORDS = "data.notifies || data.callbacks || data.list || data || notifies || callbacks || list || @"

_TZ = re.compile(r"^(UTC|Z|[+-]\d{2}:?\d{2})$")


class CallbackSource(_M):
    """One place callback records come from: an admin API (``api``) or log / export files (``files``)."""

    name: str | None = Field(None, description="A label for this source in the report (default: api / the file).")
    api: str | None = Field(None, description="Admin API path or URL with {order_id}; called with the payment.admin auth.")
    files: list[str] = Field(default_factory=list, description="Log or export files (plain or .gz), oldest first.")
    format: Literal["auto", "combined", "laravel", "acg-faka", "jsonl", "csv"] = Field(
        "auto", description="files: combined (nginx/Apache access log, optional $request_time), laravel, acg-faka runtime.log, jsonl (one JSON object a line), csv (a header row).")
    records: str | None = Field(None, description="api: JMESPath to the list of records in the answer (default: data.notifies, data.list, ...).")
    fields: RecordFields | None = Field(None, description="How a record's fields map onto kmdiag's (api, jsonl, csv).")
    time_zone: str = Field("+08:00", description="Zone of times written without one ('+08:00', 'UTC'). Chinese shops log in UTC+8.")
    duration_unit: Literal["ms", "s"] = Field("ms", description="Unit of the duration field.")

    @field_validator("time_zone")
    @classmethod
    def _tz(cls, v: str) -> str:
        if not _TZ.match(v.strip()):
            raise ValueError(f"'{v}' is not a UTC offset (e.g. '+08:00', 'UTC')")
        return v.strip()

    @model_validator(mode="after")
    def _one_kind(self) -> CallbackSource:
        if bool(self.api) == bool(self.files):
            raise ValueError("a source is either an api (api: /admin/...{order_id}) or files (files: [...]), not both or neither")
        if self.api and self.format != "auto":
            raise ValueError("format is for files; an api source answers JSON")
        if self.files and self.records:
            raise ValueError("records is for an api source; for files use fields")
        return self

    @property
    def label(self) -> str:
        return self.name or ("api" if self.api else ",".join(self.files))


class OrderFields(_M):
    """JMESPath into the shop's order answer. A closed set: a key kmdiag does not read is an error."""

    status: str = Field("data.status", description="The platform's status (mapped through status_map).")
    amount: str = Field("data.amount", description="The order amount.")
    created_at: str | None = None
    expires_at: str | None = None
    paid_at: str | None = None
    trade_no: str | None = Field(None, description="The provider's trade number, once known.")
    info: str | None = Field(None, description="Delivery information or an error text (卡密不足 ...).")

    @field_validator("*")
    @classmethod
    def _jmespath(cls, v: str | None) -> str | None:
        return compile_jmespath(v)

    def get(self, name: str, default: str | None = None) -> str | None:
        """``order_fields.get("status", "data.status")``: the mapping's old dict face."""
        v = getattr(self, name, None)
        return v if v is not None else default


# -- provider keys: named for what they hold, old names accepted for one release ---------------

def kind_fields() -> dict[str, tuple[str, ...]]:
    """Each provider kind → the ``payment.provider`` fields that belong to it (its ``CONFIG_FIELDS``)."""
    from kmdiag.payment.providers.base import PROVIDERS, plugin

    return {k: tuple(plugin(k).CONFIG_FIELDS) for k in PROVIDERS}


def _old_name_target(old: str, kind: str) -> str | None:
    """What the deprecated ``key_env`` / ``public_key_env`` meant for ``kind`` (None: nothing)."""
    from kmdiag.payment.providers.base import plugin_or_none

    pl = plugin_or_none(kind)
    if pl is None:
        return None
    return pl.DEPRECATED_KEY_ENV if old == "key_env" else pl.DEPRECATED_PUBLIC_KEY_ENV


# (old key, new key) pairs met while validating; the loader prints each once with its file:line.
DEPRECATIONS: contextvars.ContextVar[list[tuple[str, str]] | None] = contextvars.ContextVar("kmdiag_deprecations", default=None)


def migrate_provider(data: Any) -> Any:
    """``key_env`` / ``public_key_env`` → the per-kind name; the old spelling is recorded for a warning."""
    if not isinstance(data, dict):
        return data
    from kmdiag.payment.providers.base import DEFAULT_KIND

    kind = str(data.get("kind") or DEFAULT_KIND)
    out = dict(data)
    for old in ("key_env", "public_key_env"):
        if out.get(old) is None:
            out.pop(old, None)
            continue
        new = _old_name_target(old, kind)
        if new is None:
            raise ValueError(f"{old} means nothing for kind {kind}; use {', '.join(kind_fields().get(kind, ()))}")
        if out.get(new) not in (None, out[old]):
            raise ValueError(f"both {old} (old name) and {new} are set; keep only {new}")
        out[new] = out.pop(old)
        seen = DEPRECATIONS.get()
        if seen is not None:
            seen.append((old, new))
    return out


def check_kind_fields(provider: Any) -> None:
    """A key field of another provider kind is a mistake (one kind's MD5 key on a profile of an RSA kind)."""
    table = kind_fields()
    allowed = set(table.get(provider.kind, ()))
    for kind, names in table.items():
        for n in names:
            if n not in allowed and getattr(provider, n, None) is not None:
                raise ValueError(f"{n} belongs to kind {kind}; for kind {provider.kind} use {', '.join(sorted(allowed))}")
