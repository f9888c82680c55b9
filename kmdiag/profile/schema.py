"""The profile schema. ``kmdiag profiles schema`` prints it as JSON Schema; docs/profiles.md explains it.

Secrets are never written in a profile: fields ending in ``_env`` name the environment variable
that holds them. Unknown keys are errors (``extra="forbid"``) so that a typo is caught with its
line number instead of being silently ignored.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    create_model,
    field_validator,
    model_validator,
)

from kmdiag.payment.providers.base import DEFAULT_KIND, PROVIDERS, plugin, plugins
from kmdiag.profile.records_schema import (
    DEFAULT_API_FIELDS,
    CallbackSource,
    OrderFields,
    check_kind_fields,
    migrate_provider,
)


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


class CaptivePortal(_M):
    url: str = Field(description="A URL whose exact answer is known (e.g. a generate_204 endpoint).")
    expect_status: int = 204
    expect_body: str | None = Field(None, description="Exact body expected, if the status alone is not enough.")


class Budgets(_M):
    dns_ms: int = 300
    connect_ms: int = 500
    tls_ms: int = 800
    ttfb_ms: int = 1500
    jitter_ms: int = 300
    loss_pct: float = 20.0


class Network(_M):
    hosts: list[str] = Field(default_factory=list, description="Hosts to check; default: base_url's host and the notify URL's.")
    system_resolver: str | None = Field(None, description="null = the OS resolver; 'ip:port' = ask this server as the user's resolver.")
    trusted_resolvers: list[str] = Field(default_factory=lambda: ["223.5.5.5", "119.29.29.29"])
    captive_portal: CaptivePortal | None = None
    expected_tls_issuers: list[str] = Field(default_factory=list)
    ca_bundle: str | None = Field(None, description="Extra CA file (PEM) to trust, e.g. a staging CA.")
    budgets: Budgets = Field(default_factory=Budgets)
    latency_samples: int = Field(12, ge=1, le=50, description="Requests per latency series (a slow link stops "
                                 "after 5 answers and 5 s); medians and percentiles need a dozen.")
    static_path: str = Field("/", description="A static page used as the latency baseline.")

    @field_validator("trusted_resolvers", "hosts")
    @classmethod
    def _no_blank(cls, v: list[str]) -> list[str]:
        if any(not x.strip() for x in v):
            raise ValueError("entries must not be empty")
        return v


class SendAs(_M):
    header: str | None = None
    template: str = "{token}"
    cookie: str | None = None


class Platform(_M):
    health_path: str | None = Field("/health", description="A health endpoint; null when the platform has none.")
    pages: list[str] = Field(default_factory=list, description="Extra pages that must answer.")
    order_api_probe: Literal["options", "none"] = Field(
        "options", description="How the platform probe times the order API: 'options' (an OPTIONS request, which "
        "most routers answer without running the handler) or 'none' for platforms whose router ignores the method "
        "and would run the order handler (acg-faka).")


class Order(_M):
    product_url: str = "/"
    button: str | None = None
    fill: dict[str, str] = Field(default_factory=dict)
    order_request: str | None = Field(None, description="'METHOD /path' the click must send; path may contain * wildcards.")
    success: str | None = None
    supported_browsers: dict[str, int] = Field(default_factory=dict)
    submit: bool = Field(False, description="Let the diagnostic click really send the order (staging, QA, demo).")
    captcha: str | None = Field(None, description="Selector of a captcha input, if the platform has one.")
    feedback_ms: int = Field(2500, ge=200, le=20000, description="How long to wait for visible feedback after the click.")
    error_codes: dict[str, str] = Field(default_factory=dict, description="Order-API error code or message substring -> cause id.")
    read_requests: list[str] = Field(default_factory=list, description=(
        "'METHOD /path' (with * wildcards) of the page's own non-GET requests that only read (e.g. acg-faka's "
        "'POST /user/api/index/pay*'); every other non-GET/HEAD request to the shop is stopped without --submit."))
    write_requests: list[str] = Field(default_factory=list, description=(
        "'METHOD /path' of further writes the browser must never send (besides order_request and the payment "
        "notify/repair routes), whatever the method and even with --submit."))
    sold_out_texts: list[str] = Field(default_factory=lambda: list(SOLD_OUT_TEXTS), description=(
        "Texts that mean 'sold out' near the order form (or in an order-API refusal)."))
    button_wait_ms: int = Field(6000, ge=0, le=30000, description=(
        "How long to wait after load for the order button a script builds (the page settling ends it sooner)."))


SOLD_OUT_TEXTS = ("已售罄", "售罄", "库存不足", "缺货", "已售完", "暂无库存", "sold out", "out of stock")


def _jmespath_ok(v: str | None) -> str | None:
    # A broken expression must fail at load time with its line, not silently at run time.
    if v is not None:
        import jmespath
        from jmespath.exceptions import JMESPathError

        try:
            jmespath.compile(v)
        except JMESPathError as exc:
            raise ValueError(f"not a valid JMESPath expression: {str(exc).splitlines()[0]}") from None
    return v


class Api(_M):
    """How the platform's JSON answers say yes or no, when HTTP 200 carries refusals too (acg-faka)."""

    code: str | None = Field(None, description="JMESPath to the answer's own code, e.g. 'code'.")
    success_codes: list[int | str] = Field(default_factory=list, description="Codes that mean success, e.g. [200].")
    message: str | None = Field(None, description="JMESPath to the shop's message, e.g. 'msg'.")

    @field_validator("code", "message")
    @classmethod
    def _jp(cls, v: str | None) -> str | None:
        return _jmespath_ok(v)


def _cause_id(v: str) -> str:
    # Checked per entry, so an error names the entry's own line.
    if not re.fullmatch(r"[a-z]+\.[a-z0-9]+(-[a-z0-9]+)*", v):
        raise ValueError(f"'{v}' is not a cause id (layer.kebab-name, e.g. account.risk-blocked; see `kmdiag causes`)")
    return v


CauseId = Annotated[str, AfterValidator(_cause_id)]


class AccountFields(_M):
    """JMESPath expressions into the account API's JSON answer (compiled when the profile loads)."""

    logged_in: str | None = None
    identity_verified: str | None = None
    risk_blocked: str | None = None
    remote_login: str | None = Field(None, description="True when the platform itself flags a login from another region.")
    login_region: str | None = None
    usual_region: str | None = None
    order_allowed: str | None = Field(None, description="False when the platform says this account may not order.")
    message: str | None = None

    @field_validator("*")
    @classmethod
    def _jmespath(cls, v: str | None) -> str | None:
        # A broken expression must fail at load time with its line, not silently at run time.
        if v is not None:
            import jmespath
            from jmespath.exceptions import JMESPathError

            try:
                jmespath.compile(v)
            except JMESPathError as exc:
                raise ValueError(f"not a valid JMESPath expression: {str(exc).splitlines()[0]}") from None
        return v


class Indistinct(_M):
    """An account-API message the platform sends for more than one reason (acg-faka: a ban reads as an expired session)."""

    message: str = Field(description="Substring of the platform's message.")
    also: list[CauseId] = Field(default_factory=list, description="Other causes that get exactly the same answer.")
    tell_by: str | None = Field(None, description="What tells them apart for the shopper (e.g. the login form's text).")


class Account(_M):
    indistinct: list[Indistinct] = Field(default_factory=list, description="Messages that cannot tell causes apart.")
    token_env: str | None = None
    send_as: SendAs = Field(default_factory=lambda: SendAs(header="Authorization", template="Bearer {token}"))
    endpoint: str | None = None
    method: Literal["GET", "POST"] = Field("GET", description="How the account endpoint is called (some platforms only answer POST).")
    fields: AccountFields = Field(default_factory=AccountFields)
    error_codes: dict[str, CauseId] = Field(default_factory=dict, description="Account-API code or message substring -> cause id.")


class CallbackLog(_M):
    """Where callbacks that arrived are recorded. ``endpoint``/``files`` are shorthands for one api
    and one files source with the built-in field names; ``sources`` maps any shop's records."""

    endpoint: str | None = Field(None, description="Admin API path with {order_id} answering kmdiag's own record shape.")
    files: list[str] = Field(default_factory=list, description="Access / app log files (plain or .gz).")
    format: Literal["combined", "laravel", "acg-faka", "jsonl", "csv", "auto"] = "auto"
    sources: list[CallbackSource] = Field(default_factory=list, description="More sources, each with its own field mapping; every one is read.")

    def all_sources(self) -> list[CallbackSource]:
        """Every source the profile names, the shorthands first."""
        out: list[CallbackSource] = []
        if self.endpoint:
            out.append(CallbackSource(name="endpoint", api=self.endpoint, fields=DEFAULT_API_FIELDS))
        if self.files:
            out.append(CallbackSource(name="logs", files=list(self.files), format=self.format))
        return out + list(self.sources)


class Admin(_M):
    token_env: str | None = None
    send_as: SendAs = Field(default_factory=lambda: SendAs(header="X-Admin-Token"))


# The kinds come from the one provider map: a new provider is its module in payment/providers/.
ProviderKind = Literal.__getitem__(tuple(PROVIDERS))


class _ProviderBase(_M):
    """The payment provider. Key fields are named for what they hold and belong to one kind (each
    provider module's ``CONFIG_FIELDS``); ``key_env`` / ``public_key_env`` (which meant different
    secrets per kind) still load, with a warning."""

    @model_validator(mode="before")
    @classmethod
    def _old_names(cls, data: Any) -> Any:
        return migrate_provider(data)

    @model_validator(mode="after")
    def _kind_fields(self) -> _ProviderBase:
        check_kind_fields(self)
        return self

    @property
    def key_env(self) -> str | None:
        """Deprecated reader: the kind's main key (its plug-in's ``DEPRECATED_KEY_ENV``)."""
        name = plugin(self.kind).DEPRECATED_KEY_ENV  # type: ignore[attr-defined]
        return getattr(self, name) if name else None

    @property
    def public_key_env(self) -> str | None:
        """Deprecated reader: the provider's public key (its plug-in's ``DEPRECATED_PUBLIC_KEY_ENV``)."""
        name = plugin(self.kind).DEPRECATED_PUBLIC_KEY_ENV  # type: ignore[attr-defined]
        return getattr(self, name) if name else None


def _kind_field_specs() -> dict[str, Any]:
    """Every provider's own fields (all optional strings); a field two kinds share joins their descriptions."""
    described: dict[str, list[str]] = {}
    for pl in plugins():
        for name, text in pl.CONFIG_FIELDS.items():
            described.setdefault(name, []).append(text.rstrip("."))
    return {name: (str | None, Field(None, description="; ".join(texts) + "."))
            for name, texts in described.items()}


Provider = create_model(  # type: ignore[call-overload]
    "Provider", __base__=_ProviderBase, __module__=__name__,
    kind=(ProviderKind, DEFAULT_KIND),
    gateway=(str | None, None),
    merchant_id=(str | None, None),
    **_kind_field_specs(),
    app_id=(str | None, None),
    notify_method=(Literal["GET", "POST"] | None, None),
    notify_timeout_s=(float, 5.0),
    retry_schedule_s=(list[int], Field(default_factory=list, description="Seconds after payment of each callback attempt.")),
    success_reply=(str | None, None),
)


class HandedNotifyUrl(_M):
    """Where the notify URL the shop really handed the provider can be read (issue: compare it with the origin)."""

    page: str | None = Field(None, description="A page holding the form posted to the gateway, e.g. /user/pay/order.{order_id}.2.")
    form_field: str = Field("notify_url", description="The form input (or query parameter) that holds the notify URL.")
    order_field: str | None = Field(None, description="JMESPath into the order record's answer, when the record holds it.")
    provider_field: str | None = Field(None, description="JMESPath into the provider's own record (its raw query answer).")


class Payment(_M):
    handed_notify_url: HandedNotifyUrl | None = None
    order_endpoint: str | None = None
    order_fields: OrderFields = Field(default_factory=OrderFields)
    status_map: dict[str, str] = Field(default_factory=dict)
    pending_orders_endpoint: str | None = None
    notify_url: str | None = None
    repair_endpoint: str | None = None
    callback_log: CallbackLog = Field(default_factory=CallbackLog)
    admin: Admin = Field(default_factory=Admin)
    provider: Provider = Field(default_factory=Provider)


class Detect(_M):
    """How to recognise the platform from its front page (``kmdiag payment ID --url URL`` without --profile)."""

    cookies: list[str] = Field(default_factory=list, description="Cookie names the platform sets (e.g. ACG-SHOP).")
    body: list[str] = Field(default_factory=list, description="Text its pages carry (e.g. a generator tag).")


ApiConvention = Api  # the name the acg-faka work used for the same convention (one model, one validator)


class Profile(_M):
    name: str
    title: str = ""
    base_url: str
    detect: Detect | None = Field(None, description="Hints that recognise this platform at a URL.")
    network: Network = Field(default_factory=Network)
    platform: Platform = Field(default_factory=Platform)
    order: Order = Field(default_factory=Order)
    account: Account = Field(default_factory=Account)
    payment: Payment = Field(default_factory=Payment)
    api: Api = Field(default_factory=Api, description="Reply-code convention of the platform's JSON answers.")

    @field_validator("base_url")
    @classmethod
    def _url(cls, v: str) -> str:
        if not v.startswith(("http://", "https://")):
            raise ValueError("base_url must start with http:// or https://")
        return v

    def url(self, path: str) -> str:
        """Join a profile path to base_url (absolute URLs pass through)."""
        if path.startswith(("http://", "https://")):
            return path
        return self.base_url.rstrip("/") + "/" + path.lstrip("/")
