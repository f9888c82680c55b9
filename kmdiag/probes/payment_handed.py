"""Probe: the notify URL the shop really handed the provider for this order.

Why: the profile's ``notify_url`` is what the shop *should* hand the gateway; what it really handed
is built at order time from the shop's settings and the request (acg-faka: ``callback_domain`` or
``scheme://HTTP_HOST``, so a proxy that drops the port yields a port-80 URL). It is read where the
shop keeps it: the cashier page's form posted to the gateway, or a field of the order record
(``payment.handed_notify_url`` in the profile). A GET of the cashier page reads the stored form.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

from kmdiag.ids import fill
from kmdiag.probes import ProbeContext, Skip
from kmdiag.probes._payment import client, field, net_error, now, order_id
from kmdiag.registry import probe

MAX_PAGE = 200_000


class _Form(HTMLParser):
    """The first form's action and its inputs' values (hidden inputs included)."""

    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.method: str | None = None
        self.inputs: dict[str, str] = {}
        self._in = False
        self._done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and not self._done and not self._in:
            self._in, self.action, self.method = True, a.get("action", ""), (a.get("method") or "get").upper()
        elif tag == "input" and self._in and a.get("name"):
            self.inputs.setdefault(a["name"], a.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._in:
            self._in, self._done = False, True


@probe("payment.handed-notify-url", layer="payment", commands=("payment",), needs=("payment.order", "payment.provider"),
       timeout=6.0)
async def handed_notify_url(ctx: ProbeContext) -> dict[str, Any]:
    """Read the notify URL handed to the provider from the order record, the provider's record or the cashier page."""
    oid = order_id(ctx)
    spec = ctx.profile.payment.handed_notify_url
    if spec is None or not (spec.page or spec.order_field or spec.provider_field):
        raise Skip("the profile names no place to read the notify URL handed to the provider (payment.handed_notify_url)")
    out: dict[str, Any] = {"order_id": oid, "observed_at": now(), "notify_url": None, "source": None, "error": None}
    if spec.order_field:
        value = ctx.data("payment.order").get("handed_notify_url")
        if value:
            out.update(notify_url=str(value), source="order")
            return out
    if spec.provider_field:
        value = field(ctx.data("payment.provider").get("raw") or {}, spec.provider_field)
        if value:
            out.update(notify_url=str(value), source="provider")
            return out
    if not spec.page:
        out["error"] = "neither the order record nor the provider's record holds a notify URL"
        return out
    url = ctx.profile.url(fill(spec.page, order_id=oid))  # the id is data: percent-encoded (kmdiag.ids)
    out["page"] = url
    async with client(ctx) as c:
        try:
            r = await c.get(url)
        except Exception as exc:
            out["error"] = net_error(exc)
            return out
    out["http_status"] = r.status_code
    text = r.text[:MAX_PAGE]
    form = _Form()
    try:
        form.feed(text)
    except Exception:  # a broken page is data
        pass
    value = form.inputs.get(spec.form_field)
    if value is None and form.action:  # a GET form whose action carries the fields in its query
        q = parse_qs(urlsplit(form.action).query)
        value = (q.get(spec.form_field) or [None])[0]
    if value is None:
        out["error"] = f"HTTP {r.status_code}: no {spec.form_field} in the page's form" if form.action is not None else \
            f"HTTP {r.status_code}: the page holds no form"
        out["body"] = text[:200] if form.action is None else None
        return out
    out.update(notify_url=value, source="page", form_action=urljoin(url, form.action or ""), form_method=form.method)
    return out
