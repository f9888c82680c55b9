"""The profile schema. ``kmdiag profiles schema`` prints it as JSON Schema; docs/profiles.md explains it.

Secrets are never written in a profile: fields ending in ``_env`` name the environment variable
that holds them. Unknown keys are errors (``extra="forbid"``) so that a typo is caught with its
line number instead of being silently ignored.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from kmdiag.payment.providers.base import PROVIDERS
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
    latency_samples: int = Field(5, ge=1, le=50)
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
    sold_out_texts: list[str] = Field(default_factory=list, description="Texts near the order form that mean out of stock (已售罄...).")


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


# The kinds come from the one provider map: a new provider is its module + an entry there.
ProviderKind = Literal.__getitem__(tuple(PROVIDERS))


class Provider(_M):
    """The payment provider. Key fields are named for what they hold and belong to one kind;
    ``key_env`` / ``public_key_env`` (which meant different secrets per kind) still load, with a warning."""

    kind: ProviderKind = "epay"  # type: ignore[valid-type]
    gateway: str | None = None
    merchant_id: str | None = None
    md5_key_env: str | None = Field(None, description="epay: the merchant MD5 key (signs and verifies notifies, authorises api.php).")
    alipay_public_key_env: str | None = Field(None, description="alipay: the Alipay public key (支付宝公钥, PEM or base64), NOT the app public key.")
    private_key_env: str | None = Field(None, description="alipay: the app private key; wechatpay: the merchant API private key (PEM), for signed queries.")
    apiv3_key_env: str | None = Field(None, description="wechatpay: the APIv3 key (32 characters) that decrypts notify resources.")
    platform_public_key_env: str | None = Field(None, description="wechatpay: the platform public key (微信支付公钥 / platform certificate key, PEM) that verifies notifies.")
    platform_public_key_id: str | None = Field(None, description="wechatpay: its id (PUB_KEY_ID_... or the platform certificate serial), compared with Wechatpay-Serial.")
    cert_serial_no: str | None = Field(None, description="wechatpay: serial number of the merchant API certificate (signed queries).")
    app_id: str | None = None
    notify_method: Literal["GET", "POST"] | None = None
    notify_timeout_s: float = 5.0
    retry_schedule_s: list[int] = Field(default_factory=list, description="Seconds after payment of each callback attempt.")
    success_reply: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _old_names(cls, data: Any) -> Any:
        return migrate_provider(data)

    @model_validator(mode="after")
    def _kind_fields(self) -> Provider:
        check_kind_fields(self)
        return self

    @property
    def key_env(self) -> str | None:
        """Deprecated reader: the kind's main key (epay MD5 key, Alipay public key, APIv3 key)."""
        return {"epay": self.md5_key_env, "alipay": self.alipay_public_key_env, "wechatpay": self.apiv3_key_env}.get(self.kind)

    @property
    def public_key_env(self) -> str | None:
        """Deprecated reader: the provider's public key (Alipay public key / WeChat platform public key)."""
        return self.alipay_public_key_env if self.kind == "alipay" else self.platform_public_key_env


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


class ApiConvention(_M):
    """How a platform's JSON APIs say yes or no inside HTTP 200 (JMESPath), e.g. acg-faka {"code":0,"msg":...}."""

    code: str | None = None
    success_codes: list[int | str] = Field(default_factory=list)
    message: str | None = None


class Profile(_M):
    name: str
    title: str = ""
    base_url: str
    detect: Detect | None = Field(None, description="Hints that recognise this platform at a URL.")
    api: ApiConvention | None = None
    network: Network = Field(default_factory=Network)
    platform: Platform = Field(default_factory=Platform)
    order: Order = Field(default_factory=Order)
    account: Account = Field(default_factory=Account)
    payment: Payment = Field(default_factory=Payment)

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
