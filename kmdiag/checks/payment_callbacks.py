"""Checks: the callbacks — did they arrive, what did the shop answer, did they verify, in time, and
when does the provider try again. Pure: the signature verdicts come from the probe, which holds the key.
"""

from __future__ import annotations

from collections import Counter

from kmdiag.checks import callback_reasons
from kmdiag.checks._payment import (
    DONE,
    accepted,
    brief,
    callback_money,
    callbacks,
    kind,
    money,
    order,
    provider,
    provider_paid,
    reason_has,
    reply_ok,
    timeout_ms,
    when,
    when_utc,
)
from kmdiag.i18n import T
from kmdiag.models import Status
from kmdiag.registry import CheckContext, CheckResult, check
from kmdiag.words import page_text, quoted

CMD = ("payment",)
CB = ("payment.callbacks",)


def _unless_settled(c: CheckContext, r: CheckResult) -> CheckResult:
    """A completed order is never a callback problem, whatever the logs hold (lines matched by time may be
    another order's, and shops like acg-faka log only refusals): a failure becomes a warning."""
    if r.status == Status.FAIL and order(c).get("status") in DONE:
        note = T(zh="（订单已完成，不影响本订单）", en=" (the order is completed: no harm to this order)")
        return CheckResult(Status.WARN, T(zh=r.summary.zh + note.zh, en=r.summary.en + note.en), r.evidence | {"order_completed": True})
    return r
NONE = T(zh="没有记录到回调", en="no callback recorded")


@check("payment.callbacks-received", layer="payment", commands=CMD, needs=CB + ("payment.provider",),
       title=T(zh="渠道的回调到达了店铺", en="The provider's callbacks reached the shop"))
def received(c: CheckContext) -> CheckResult:
    cbs = callbacks(c)
    data = c.data("payment.callbacks")
    ev = {"count": len(cbs), "sources": data.get("sources"), "callbacks": [brief(x) for x in cbs[-10:]],
          "log_hits": len(data.get("log_hits") or [])}
    unread = [f"{h.get('source')}: {h.get('error')}" for h in data.get("log_hits") or []
              if h.get("kind") in ("error", "truncated") and h.get("error")]
    if unread or data.get("log_error"):  # a FIFO, /dev/zero, a file cut at the deadline: say why it was not read
        ev["log_errors"] = (unread + [str(data["log_error"])] if data.get("log_error") else unread)[:10]
    if cbs:
        return CheckResult(Status.PASS, T(zh=f"记录到 {len(cbs)} 次回调", en=f"{len(cbs)} callback(s) recorded"), ev)
    if not data.get("sources"):
        return CheckResult(Status.SKIP, T(zh="没有可读的回调记录来源", en="no readable source of callback history"), ev)
    if order(c).get("status") in DONE:
        # Some shops log only refused callbacks (acg-faka's runtime.log): a completed order is the proof one arrived.
        return CheckResult(Status.PASS, T(zh="订单已完成：回调已被接受（该日志只记录被拒绝的回调）",
                                          en="the order is completed: a callback was accepted (this log records only refused ones)"), ev)
    paid = provider_paid(c)
    if paid:
        p = provider(c)
        ev["paid_at"] = when(p.get("paid_at"))
        return CheckResult(Status.FAIL, T(zh=f"渠道在 {when(p.get('paid_at'))} 已收款，但店铺没有收到任何回调",
                                          en=f"the provider was paid at {when(p.get('paid_at'))}, yet no callback reached the shop"), ev)
    return CheckResult(Status.PASS, T(zh="没有回调，渠道也没有收款，本就不该有", en="no callback, and none is due: the provider was not paid"), ev)


@check("payment.callback-reply", layer="payment", commands=CMD, needs=CB,
       title=T(zh="店铺按渠道的规则应答了回调", en="The shop answered a callback the way the provider requires"))
def reply(c: CheckContext) -> CheckResult:
    return _unless_settled(c, _reply(c))


def _reply(c: CheckContext) -> CheckResult:
    cbs = callbacks(c)
    if not cbs:
        return CheckResult(Status.SKIP, NONE, {})
    ok = [x for x in cbs if accepted(x, c)]
    ev = {"attempts": len(cbs), "accepted": len(ok), "provider": kind(c), "timeout_ms": timeout_ms(c),
          "last": brief(cbs[-1])}
    if ok:
        return CheckResult(Status.PASS, T(zh=f"{len(cbs)} 次回调中 {len(ok)} 次被正确应答", en=f"{len(ok)} of {len(cbs)} callback(s) accepted"), ev)
    last = cbs[-1]
    # The shop's own words (its log's reason, or its reply without an error page's markup).
    why = page_text(last.get("reason") or last.get("reply") or "")
    why_zh = quoted(why) if why else "没有应答内容"
    return CheckResult(Status.FAIL, T(zh=f"共 {len(cbs)} 次回调，没有一次被接受；最后一次：HTTP {last.get('status')}，{why_zh}",
                                      en=f"none of {len(cbs)} callback(s) was accepted; last: HTTP {last.get('status')}, {why or 'no reply'}"), ev)


@check("payment.callback-signature", layer="payment", commands=CMD, needs=CB,
       title=T(zh="回调签名能用配置的密钥验证", en="Callback signatures verify with the configured key"))
def signature(c: CheckContext) -> CheckResult:
    return _unless_settled(c, _signature(c))


def _signature(c: CheckContext) -> CheckResult:
    from kmdiag.checks._payment_verify import judge

    status, summary, ev = judge(callbacks(c), kind(c), c.data("payment.callbacks"))
    return CheckResult(status, summary, ev)


@check("payment.callback-amount", layer="payment", commands=CMD, needs=CB + ("payment.order",),
       title=T(zh="回调金额与订单金额一致（按数值，精确到分）", en="Callback amount equals the order amount (as numbers, to the cent)"))
def amount(c: CheckContext) -> CheckResult:
    return _unless_settled(c, _amount(c))


def _amount(c: CheckContext) -> CheckResult:
    want = money(order(c).get("amount"))
    cbs = [x for x in callbacks(c) if callback_money(x, kind(c)) is not None]
    if want is None or not cbs:
        return CheckResult(Status.SKIP, T(zh="没有可比较的金额", en="no amounts to compare"), {})
    diff = [x for x in cbs if callback_money(x, kind(c)) != want]
    refused = [x for x in cbs if reason_has(x, *callback_reasons.AMOUNT)]
    sent = str((cbs[-1].get("params") or {}).get("money") or callback_money(cbs[-1], kind(c)))
    ev = {"order_amount": str(want), "callback_amount_sent": sent, "differs": len(diff), "shop_refused_amount": len(refused)}
    if diff:
        got = callback_money(diff[-1], kind(c))
        return CheckResult(Status.FAIL, T(zh=f"回调金额 {got} 与订单金额 {want} 不同", en=f"callback amount {got} differs from the order amount {want}"), ev)
    if refused:
        ev["string_compare_suspected"] = sent != f"{want:.2f}"
        return CheckResult(Status.FAIL, T(
            zh=f"回调金额 \"{sent}\" 与订单金额 \"{want}\" 数值相等，店铺却以金额不一致拒绝：它把金额当字符串比较",
            en=f"the callback's \"{sent}\" equals the order's \"{want}\" as a number, yet the shop refused it as an amount mismatch: it compares them as strings"), ev)
    return CheckResult(Status.PASS, T(zh=f"回调金额等于订单金额 {want}", en=f"callback amount equals the order amount {want}"), ev)


@check("payment.handling-time", layer="payment", commands=CMD, needs=CB,
       title=T(zh="店铺在渠道超时之前应答回调", en="The shop answers callbacks within the provider's timeout"))
def handling_time(c: CheckContext) -> CheckResult:
    """Slow is what the provider sees as slow: an answer at or past its timeout, the gateway hanging up
    (nginx 499: the client closed; 504: the proxy gave up), or retries although the shop said success."""
    cbs = callbacks(c)
    limit = timeout_ms(c)
    timed = [x for x in cbs if x.get("duration_ms") is not None]
    late = [x for x in timed if x["duration_ms"] >= limit]
    hung_up = [x for x in cbs if x.get("status") in (499, 504)]
    said_ok = [x for x in cbs if reply_ok(x, kind(c), c.profile.payment.provider.success_reply)]
    # the same notify (same notify_id / signature) answered success more than once: the provider came back
    same = Counter(_notify_key(x) for x in said_ok)
    same.pop(None, None)
    repeats = max(same.values(), default=0)
    retried = repeats >= 2 and not late and not hung_up
    if not timed and not hung_up and not retried:
        return CheckResult(Status.SKIP, T(zh="没有记录处理时长", en="no handling time recorded"), {})
    worst = max((x["duration_ms"] for x in timed), default=None)
    ev = {"timeout_ms": limit, "max_ms": worst, "slow": len(late), "gateway_gave_up": len(hung_up),
          "succeeded_then_retried": repeats if retried else 0,
          "examples": [brief(x) for x in (late or hung_up or said_ok)[:3]]}
    if late or hung_up:
        bits_zh, bits_en = [], []
        if late:
            bits_zh.append(f"{len(late)} 次回调处理达到或超过渠道的 {limit / 1000:g} 秒超时（最长 {worst / 1000:.1f} 秒）")
            bits_en.append(f"{len(late)} callback(s) took as long as or longer than the provider's {limit / 1000:g} s timeout (slowest {worst / 1000:.1f} s)")
        if hung_up:
            codes = sorted({x["status"] for x in hung_up})
            bits_zh.append(f"{len(hung_up)} 次回调是网关等不及先挂断了（HTTP {'/'.join(map(str, codes))}：499 为客户端关闭连接，504 为代理超时）")
            bits_en.append(f"{len(hung_up)} callback(s) ended with the gateway giving up (HTTP {'/'.join(map(str, codes))}: 499 the client hung up, 504 the proxy timed out)")
        return CheckResult(Status.FAIL, T(zh="；".join(bits_zh), en="; ".join(bits_en)), ev)
    if retried:
        return CheckResult(Status.FAIL, T(
            zh=f"店铺对同一通知的 {repeats} 次回调都回复了成功，渠道仍在重试：应答来得太晚（超过渠道超时）",
            en=f"the shop answered success to the same notify {repeats} times, yet the provider kept retrying: the answers come too late (past the provider's timeout)"), ev)
    return CheckResult(Status.PASS, T(zh=f"最长处理 {worst} 毫秒", en=f"slowest handling {worst} ms"), ev)


def _notify_key(cb: dict) -> str | None:
    p = cb.get("params") or {}
    return p.get("notify_id") or p.get("sign") or p.get("transaction_id") or None


@check("payment.retry", layer="payment", commands=CMD, needs=CB + ("payment.provider",),
       title=T(zh="渠道不需要再重试回调", en="No provider retry is outstanding"))
def retry(c: CheckContext) -> CheckResult:
    cbs = callbacks(c)
    p = provider(c)
    schedule = list(c.profile.payment.provider.retry_schedule_s)
    if not cbs or not p.get("paid") or any(accepted(x, c) for x in cbs):
        return CheckResult(Status.SKIP, T(zh="没有失败待重试的回调", en="no failed callback waiting for a retry"), {})
    if order(c).get("status") in DONE:
        return CheckResult(Status.PASS, T(zh="订单已完成，重试无关紧要", en="the order is completed; retries do not matter"), {})
    paid_at, observed = p.get("paid_at"), c.data("payment.callbacks").get("observed_at")
    n = len(cbs)  # each recorded callback is one of the provider's attempts
    ev = {"attempts_seen": len(cbs), "schedule_s": schedule, "paid_at": when(paid_at)}
    if not schedule or paid_at is None or observed is None:
        return CheckResult(Status.WARN, T(zh="最后一次回调失败；不知道渠道何时重试", en="the last callback failed; when the provider retries is unknown"), ev)
    due = [paid_at + s for s in schedule[n:] if paid_at + s > observed]
    if not due:
        ev["gave_up"] = True
        return CheckResult(Status.FAIL, T(zh=f"渠道的 {len(schedule)} 次通知已用完，不会再重试", en=f"the provider's {len(schedule)} notifications are used up; it will not retry"), ev)
    ev.update(next_retry_at=when_utc(due[0]), next_retry_local=when(due[0]), in_s=int(due[0] - observed),
              retries_left=len(due))
    return CheckResult(Status.WARN, T(zh=f"最后一次回调失败；渠道将在 {when(due[0])}（约 {int(due[0] - observed)} 秒后）重试",
                                      en=f"the last callback failed; the provider retries at {when(due[0])} (in about {int(due[0] - observed)} s)"), ev)
