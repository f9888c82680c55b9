"""Checks: the order's two records — the platform's and the provider's — and what follows from them.

Pure: they read the ``payment.order`` and ``payment.provider`` measurements and decide.
"""

from __future__ import annotations

from kmdiag.checks._payment import DONE, money, order, provider, provider_paid, public_key_name, when
from kmdiag.i18n import T
from kmdiag.models import Status
from kmdiag.registry import CheckContext, CheckResult, check
from kmdiag.words import message_zh, quoted, status_zh

CMD = ("payment",)


@check("payment.order-found", layer="payment", commands=CMD, needs=("payment.order",),
       title=T(zh="店铺能查到该订单", en="The shop knows the order"))
def order_found(c: CheckContext) -> CheckResult:
    o = order(c)
    ev = {k: o.get(k) for k in ("order_id", "url", "http_status", "status", "raw_status", "amount", "error")}
    if o.get("error"):
        return CheckResult(Status.ERROR, T(zh=f"无法读取店铺订单：{message_zh(o['error'])}", en=f"could not read the shop's order: {o['error']}"), ev)
    if o.get("refused"):  # HTTP 200 with a refusal code (profile ``api``): the shop's own words decide
        ev.update(api_code=o.get("api_code"), message=o.get("message"))
        said = f"：「{o.get('message')}」" if o.get("message") else ""
        return CheckResult(Status.FAIL, T(zh=f"店铺拒绝了订单 {o.get('order_id')} 的查询（错误码 {o.get('api_code')}）{said}",
                                          en=f"the shop refused the lookup of order {o.get('order_id')} (code {o.get('api_code')})"
                                             + (f": 「{o.get('message')}」" if o.get("message") else "")), ev)
    if not o.get("found"):
        return CheckResult(Status.FAIL, T(zh=f"店铺没有订单 {o.get('order_id')}", en=f"the shop has no order {o.get('order_id')}"), ev)
    return CheckResult(Status.PASS, T(zh=f"店铺订单状态：{status_zh(o.get('status'))}，金额 {o.get('amount')}",
                                      en=f"shop order status: {o.get('status')}, amount {o.get('amount')}"), ev)


@check("payment.provider-paid", layer="payment", commands=CMD, needs=("payment.provider",),
       title=T(zh="支付渠道确认已收款", en="The provider confirms the payment"))
def provider_paid_check(c: CheckContext) -> CheckResult:
    p = provider(c)
    ev = {k: p.get(k) for k in ("kind", "found", "paid", "status", "amount", "trade_no", "paid_at", "error", "retry_after")}
    ev["paid_at_local"] = when(p.get("paid_at")) if p.get("paid_at") else None
    if p.get("error"):
        return CheckResult(Status.ERROR, T(zh=f"支付渠道没有给出答案：{message_zh(p['error'])}", en=f"the provider did not answer: {p['error']}"), ev)
    if not p.get("found"):
        return CheckResult(Status.FAIL, T(zh="支付渠道没有这笔交易（买家没有发起或完成付款）",
                                          en="the provider has no such trade (the buyer never started or finished paying)"), ev)
    if not p.get("paid"):
        return CheckResult(Status.FAIL, T(zh=f"支付渠道显示未付款（状态：{status_zh(p.get('status'))}）",
                                          en=f"the provider says not paid (status {p.get('status')})"), ev)
    return CheckResult(Status.PASS, T(zh=f"支付渠道已收款 {p.get('amount')}，时间 {when(p.get('paid_at'))}，交易号 {p.get('trade_no')}",
                                      en=f"the provider took {p.get('amount')} at {when(p.get('paid_at'))}, trade no. {p.get('trade_no')}"), ev)


@check("payment.provider-answer", layer="payment", commands=CMD, needs=("payment.provider",),
       title=T(zh="渠道的查询应答可信且可读", en="The provider's answer to the query is authentic and readable"))
def provider_answer(c: CheckContext) -> CheckResult:
    """The provider's own answer is evidence: a signature that does not verify proves the configured
    public key wrong; a refusal names its reason; an outage or a rate limit is said, not guessed past."""
    p = provider(c)
    err = str(p.get("error") or "")
    ev = {"kind": p.get("kind"), "error": err or None, "retry_after": p.get("retry_after"),
          "provider_code": (p.get("raw") or {}).get("code"), "provider_message": (p.get("raw") or {}).get("msg") or (p.get("raw") or {}).get("sub_msg")}
    if not err:
        return CheckResult(Status.PASS, T(zh="渠道应答正常", en="the provider answered normally"), ev)
    kind = str(p.get("kind") or "")
    why = err.split(":", 1)[-1].strip() or err
    if err.startswith("bad-signature"):
        key = public_key_name(kind, T(zh="渠道公钥", en="provider public key"))
        ev["cause_hint"] = "wrong-public-key"
        return CheckResult(Status.FAIL, T(
            zh=f"渠道对查询的应答用配置的{key.zh}验签失败：配置的{key.zh}不对（常见：把应用公钥当成了{key.zh}）；店铺若用同一把密钥，所有回调也会验签失败",
            en=f"the provider's answer to the query does not verify with the configured {key.en}: that key is wrong (often the app's own public key pasted instead); a shop configured with the same key rejects every notify too"), ev)
    if err.startswith("auth"):
        ev["cause_hint"] = "credentials"
        return CheckResult(Status.FAIL, T(zh=f"渠道拒绝了商户凭据：{why}（商户号或商户密钥不对）",
                                          en=f"the provider refused the merchant credentials: {why} (wrong merchant id or key)"), ev)
    if err.startswith("provider"):
        ev["cause_hint"] = "provider-error"
        if "invalid-signature" in err or "SIGN_ERROR" in err:  # the gateway could not verify kmdiag's signed request
            return CheckResult(Status.FAIL, T(
                zh=f"渠道返回了错误：{why}——渠道验不过 kmdiag 的请求签名：配置的应用/商户私钥与上传到渠道的公钥不是一对",
                en=f"the provider answered with an error: {why} — it cannot verify kmdiag's signed request: the configured app/merchant private key does not match the public key uploaded to the provider"), ev)
        return CheckResult(Status.FAIL, T(zh=f"渠道返回了错误：{why}", en=f"the provider answered with an error: {why}"), ev)
    if err == "rate-limited":
        return CheckResult(Status.ERROR, T(zh=f"渠道限流（{p.get('retry_after') or '?'} 秒后再试）", en=f"the provider rate-limited the query (retry in {p.get('retry_after') or '?'} s)"), ev)
    if err.startswith("network"):
        return CheckResult(Status.ERROR, T(zh=f"连不上渠道：{why}", en=f"the provider could not be reached: {why}"), ev)
    return CheckResult(Status.ERROR, T(zh=f"渠道的应答无法使用：{err}", en=f"the provider's answer could not be used: {err}"), ev)


@check("payment.status-consistent", layer="payment", commands=CMD, needs=("payment.order", "payment.provider"),
       after=("payment.order-found",), title=T(zh="渠道已付款时店铺订单已完成", en="Paid at the provider means completed at the shop"))
def status_consistent(c: CheckContext) -> CheckResult:
    st = order(c).get("status")
    paid = provider_paid(c)
    ev = {"platform_status": st, "provider_paid": paid, "provider_status": provider(c).get("status")}
    if st is None:
        return CheckResult(Status.SKIP, T(zh="没有读到店铺的订单状态", en="the shop's order status could not be read"), ev)
    if paid is None:
        return CheckResult(Status.ERROR, T(zh=f"无法向渠道核实；店铺状态：{status_zh(st)}", en=f"could not confirm with the provider; shop status {st}"), ev)
    if paid and st == "processing":  # the shop took the payment; delivery is in progress (or the endpoint cannot tell)
        return CheckResult(Status.WARN, T(zh="渠道已收款，店铺显示处理中（已入账，发货未确认）",
                                          en="the provider was paid; the shop says processing (payment recorded, delivery not confirmed)"), ev)
    if paid and st not in DONE:
        return CheckResult(Status.FAIL, T(zh=f"渠道已收款，但店铺订单仍是{status_zh(st)}", en=f"the provider was paid, yet the shop order is still {st}"), ev)
    if not paid and st in DONE:
        return CheckResult(Status.WARN, T(zh="店铺订单已完成，但渠道显示未付款", en="the shop order is completed, but the provider says unpaid"), ev)
    return CheckResult(Status.PASS, T(zh=f"两边一致：渠道{'已' if paid else '未'}付款，店铺订单{status_zh(st)}",
                                      en=f"both agree: provider {'paid' if paid else 'unpaid'}, shop {st}"), ev)


@check("payment.order-expiry", layer="payment", commands=CMD, needs=("payment.order", "payment.provider"),
       title=T(zh="付款发生在订单过期之前", en="The payment came before the order expired"))
def order_expiry(c: CheckContext) -> CheckResult:
    o, p = order(c), provider(c)
    exp, paid_at = o.get("expires_at"), p.get("paid_at")
    ev = {"platform_status": o.get("status"), "expires_at": when(exp), "paid_at": when(paid_at),
          "expires_at_epoch": exp, "paid_at_epoch": paid_at}
    late = bool(p.get("paid")) and exp is not None and paid_at is not None and paid_at > exp
    if late or (bool(p.get("paid")) and o.get("status") == "expired"):
        ev["late_by_s"] = int(paid_at - exp) if late else None
        return CheckResult(Status.FAIL, T(zh=f"订单已于 {when(exp)} 过期，付款在 {when(paid_at)} 才到",
                                          en=f"the order expired at {when(exp)}; the payment came at {when(paid_at)}"), ev)
    return CheckResult(Status.PASS, T(zh="付款没有晚于订单过期时间", en="the payment was not later than the order's expiry"), ev)


@check("payment.amount-recorded", layer="payment", commands=CMD, needs=("payment.order", "payment.provider"),
       title=T(zh="渠道金额与订单金额一致（精确到分）", en="Provider amount equals the order amount (to the cent)"))
def amount_recorded(c: CheckContext) -> CheckResult:
    a, b = money(order(c).get("amount")), money(provider(c).get("amount"))
    ev = {"order_amount": str(a) if a is not None else None, "provider_amount": str(b) if b is not None else None}
    if a is None or b is None or not provider(c).get("paid"):
        return CheckResult(Status.SKIP, T(zh="没有可比较的两个金额", en="no two amounts to compare"), ev)
    if a != b:
        return CheckResult(Status.FAIL, T(zh=f"渠道收款 {b}，订单金额 {a}", en=f"the provider took {b}, the order is for {a}"), ev)
    return CheckResult(Status.PASS, T(zh=f"金额一致：{a}", en=f"amounts agree: {a}"), ev)


@check("payment.delivery", layer="payment", commands=CMD, needs=("payment.order",), after=("payment.order-found",),
       title=T(zh="付款后已发货", en="Delivered after payment"))
def delivery(c: CheckContext) -> CheckResult:
    o = order(c)
    st, info = o.get("status"), str(o.get("info") or "")
    ev = {"platform_status": st, "info": info[:200]}
    if st in ("abnormal", "failed") or "卡密不足" in info or "out of stock" in info.lower():
        return CheckResult(Status.FAIL, T(zh=f"订单状态：{status_zh(st)}，{quoted(info) if info else '发货失败'}", en=f"order status {st}: {info or 'delivery failed'}"), ev)
    return CheckResult(Status.PASS, T(zh=f"没有发货失败的迹象（状态：{status_zh(st)}）", en=f"no sign of a failed delivery (status {st})"), ev)


@check("payment.review-hold", layer="payment", commands=CMD, needs=("payment.order",), after=("payment.order-found",),
       title=T(zh="订单没有被付款后二次校验挂起", en="The order is not held for post-payment review"))
def review_hold(c: CheckContext) -> CheckResult:
    o = order(c)
    ev = {"platform_status": o.get("status"), "info": str(o.get("info") or "")[:200]}
    if o.get("status") == "review":
        return CheckResult(Status.FAIL, T(zh="订单处于付款后二次校验（待审核）", en="the order is held for post-payment verification (review)"), ev)
    return CheckResult(Status.PASS, T(zh="订单没有被挂起审核", en="the order is not held for review"), ev)
