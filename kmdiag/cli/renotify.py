"""``kmdiag payment ORDER_ID --renotify``: find the target, show the plan, ask, send, report, exit code.

Kept apart from ``kmdiag.payment.renotify`` (the logic and its Python API, which never imports the
CLI) so that the logic can be driven by tests and other commands without a terminal. The shop is
resolved as every command resolves it (``kmdiag.cli.target``). Exit codes: 0 the order is
completed afterwards (or a dry run / console instructions were shown), 1 the provider refused or
the order did not move, 2 usage errors.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from kmdiag.cli.env import current
from kmdiag.errors import UsageError
from kmdiag.i18n import T, default_lang
from kmdiag.redact import Redactor

GRACE_S = 0.3  # of --timeout kept for the demo's stop and the output (docs/reliability.md)


def main(opts: Any) -> int:
    """The ``--renotify`` branch of ``kmdiag payment`` (``kmdiag.cli.payment_cmd``)."""
    import time

    from kmdiag import clock
    from kmdiag.cli.target import resolve
    from kmdiag.payment import renotify as rn

    started = clock.started()  # one --timeout for the command (the question to the agent not counted)

    if opts.faults and not opts.demo:
        raise UsageError("--fault only works with --demo")
    lang = opts.lang or default_lang()
    fmt = opts.fmt or "text"
    if fmt not in ("text", "json"):
        raise UsageError("--renotify writes text or json", hint="use --format text or --format json")
    target = resolve(opts, command="payment", missing=UsageError(
        "--renotify needs --profile NAME (or --demo)",
        hint="kmdiag payment KM20261125000001 --profile dujiaoka --renotify"))
    profile, secrets, demo = target.profile, target.secrets, target.demo
    try:
        order_id = opts.extra.get("order_id") or (demo.vars.get("order_id") if demo else None)
        if not order_id:
            raise UsageError("which order? give ORDER_ID", hint="kmdiag payment ORDER_ID --renotify")
        redactor = Redactor(secrets.values())
        deadline = started + max(0.2, opts.timeout - GRACE_S)
        plan = asyncio.run(rn.plan(profile, secrets, str(order_id), deadline))
        out: dict[str, Any] = {"order_id": order_id, "plan": plan.shown(redactor)}
        sends = plan.kind in ("callback", "repair")
        if fmt == "text":
            _show_plan(plan, redactor, lang)
        if not sends or opts.extra.get("dry_run"):
            out["sent"] = False
            return _finish(out, fmt, redactor, 1 if plan.kind == "refuse" else 0)
        asked = time.monotonic()
        if not opts.extra.get("yes") and not _confirm(lang):
            out["sent"] = False
            out["aborted"] = True
            return _finish(out, fmt, redactor, 1)
        deadline += time.monotonic() - asked
        res = asyncio.run(rn.execute(profile, secrets, plan, deadline))
        out["result"] = res.__dict__
        if fmt == "text":
            _show_result(res, lang)
        if demo is not None:  # a later process would get a new demo shop: diagnose this one again now
            out["diagnosis_after"] = _diagnose_again(profile, secrets, demo, str(order_id), lang,
                                                     max(0.5, deadline - time.monotonic()))
            if fmt == "text":
                d = out["diagnosis_after"]
                _say(T(zh=f"再次诊断同一演示店：{d['status']}，原因 {d['causes'] or '无'}",
                       en=f"diagnosis of the same demo shop afterwards: {d['status']}, causes {d['causes'] or 'none'}"), lang)
        return _finish(out, fmt, redactor, 0 if res.order_status_after == "completed" else 1)
    finally:
        target.close()


def _diagnose_again(profile: Any, secrets: dict[str, str], demo: Any, order_id: str, lang: str,
                    budget: float) -> dict[str, Any]:
    from kmdiag import runner

    options = {"order_id": order_id, "lang": lang, "fail_on": "fail", "demo": True}
    report, _ = runner.execute("payment", profile, options, budget=budget,
                               prepare=lambda ctx: ctx.state.update(demo=demo), secrets=secrets)
    return {"status": report.status, "causes": [c.id for c in report.causes]}


def _say(t: T, lang: str) -> None:
    print(t.get(lang), file=current().out)


def _show_plan(plan: Any, redactor: Redactor, lang: str) -> None:
    p = plan.provider
    if p:
        _say(T(zh=f"渠道记录：已付款={p.get('paid')} 金额={p.get('amount')} 交易号={p.get('trade_no')}",
               en=f"provider record: paid={p.get('paid')} amount={p.get('amount')} trade no.={p.get('trade_no')}"), lang)
    if plan.kind == "refuse":
        _say(T(zh=f"不补发：{plan.reason.zh}", en=f"not re-sending: {plan.reason.en}"), lang)
        return
    if plan.kind == "console":
        _say(T(zh=f"这个渠道的回调只能由渠道签名，且配置里没有补单接口。请在渠道后台操作：{plan.reason.zh}",
               en=f"only the provider can sign this provider's callbacks, and the profile names no repair endpoint. In the provider's console: {plan.reason.en}"), lang)
        return
    shown = plan.shown(redactor)
    _say(T(zh=f"将发送（{plan.reason.zh}）：{plan.method} {shown['url']}", en=f"will send ({plan.reason.en}): {plan.method} {shown['url']}"), lang)
    for k, v in shown["params"].items():
        print(f"    {k} = {v}", file=current().out)


def _show_result(res: Any, lang: str) -> None:
    if res.error:
        _say(T(zh=f"发送失败：{res.error}", en=f"sending failed: {res.error}"), lang)
    else:
        _say(T(zh=f"平台应答：HTTP {res.status}，{res.reply!r}（{res.elapsed_ms} 毫秒）{'，已接受' if res.accepted else '，未接受'}",
               en=f"platform replied: HTTP {res.status}, {res.reply!r} ({res.elapsed_ms} ms){', accepted' if res.accepted else ', not accepted'}"), lang)
    _say(T(zh=f"订单状态：{res.order_status_before} → {res.order_status_after}",
           en=f"order status: {res.order_status_before} → {res.order_status_after}"), lang)


def _confirm(lang: str) -> bool:
    term = current()
    if not term.interactive:
        raise UsageError("--renotify asks before sending, but there is no terminal to ask on",
                         hint="add --yes to send without asking, or --dry-run to only show")
    prompt = T(zh="确认发送？[y/N] ", en="Send it? [y/N] ").get(lang)
    try:
        term.out.write(prompt)
        term.out.flush()
        line = term.inp.readline()
    except EOFError:
        return False
    return line.strip().lower() in ("y", "yes", "是")


def _finish(out: dict[str, Any], fmt: str, redactor: Redactor, code: int) -> int:
    if fmt == "json":
        print(json.dumps(redactor.data(out), ensure_ascii=False, indent=2), file=current().out)
    return code
