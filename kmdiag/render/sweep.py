"""What ``kmdiag payment --sweep`` says: a line per lost order, the summary, each cause's title and next steps.

Pure: results and counts in, text (or JSON-ready dicts) out, in the user's language; the CLI streams
it (``kmdiag.cli.sweep_output``) and redacts it. Cause titles and steps come in as
:class:`~kmdiag.models.CauseMatch` — the registry's own words, looked up by the CLI — so the sweep
names a cause exactly as ``kmdiag payment ORDER_ID`` does. The objects read here are the sweep's
results and summary (``kmdiag.payment.sweep``); render only reads their attributes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from kmdiag import __version__
from kmdiag.i18n import T
from kmdiag.models import CauseMatch

FIRST_GUESS = "payment.callback-missing"  # the sweep's own guess: not worth an evidence line of its own
STEP_AUDIENCES = ("agent", "operator")  # who runs a sweep; the shopper's steps belong to one order's report
MAX_EVIDENCE_LINES = 20


def _t(lang: str, zh: str, en: str) -> str:
    return T(zh=zh, en=en).get(lang)


def cause_label(cause: str | None, causes: Mapping[str, CauseMatch], lang: str) -> str:
    """``回调没有到达 (payment.callback-missing)``: the registry's title and the id a script can grep."""
    if not cause:
        return "?"
    c = causes.get(cause)
    return f"{c.title.get(lang)} ({cause})" if c is not None else cause


def lost_header(lang: str) -> str:
    return _t(lang, "掉单（支付平台已收款，店铺仍未支付）：\n", "Lost orders (paid at the provider, unpaid at the shop):\n")


def lost_line(r: Any, lang: str, causes: Mapping[str, CauseMatch], when: Callable[[float | None], str]) -> str:
    """One lost order; ``when`` writes the provider's paid time as the shop keeps it (UTC+8, from the CLI)."""
    amount = f"¥{r.amount}" if r.amount else "-"
    return (f"  {_t(lang, '掉单', 'LOST')}  {r.order_id}  {amount}  {_t(lang, '支付于', 'paid')} "
            f"{when(r.paid_at)}  trade_no {r.trade_no or '-'}  → {cause_label(r.cause, causes, lang)}\n")


def order_object(r: Any, lang: str) -> dict[str, Any]:
    """One JSON Lines ``order`` object (kmdiag/schemas/sweep.schema.json)."""
    return {"type": "order", **r.as_dict(lang)}


def cause_counts(lost: list[Any]) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for r in lost:
        counts[r.cause or "?"] = counts.get(r.cause or "?", 0) + 1
    return sorted(counts.items(), key=lambda kv: -kv[1])


def causes_objects(lost: list[Any], causes: Mapping[str, CauseMatch], lang: str) -> list[dict[str, Any]]:
    """The summary's ``causes``: each cause of the lost orders with its count, title and next steps."""
    out = []
    for cid, n in cause_counts(lost):
        c = causes.get(cid)
        out.append({"id": cid, "orders": n, "title": c.title.get(lang) if c else None,
                    "next_steps": [{"audience": s.audience, "text": s.text.get(lang)} for s in c.next_steps
                                   if s.audience in STEP_AUDIENCES] if c else []})
    return out


def summary_object(s: Any, stats: Any, *, status: str, exit_code: int, source: str, interrupted: bool,
                   lang: str, causes: Mapping[str, CauseMatch], extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The JSON Lines ``summary`` object (kmdiag/schemas/sweep.schema.json)."""
    return {"type": "summary", "schema_version": 1, "tool": {"name": "kmdiag", "version": __version__},
            "command": "payment --sweep", "status": status, "exit_code": exit_code,
            "source": source, "interrupted": interrupted, "nothing_to_sweep": bool(s.nothing_to_sweep and not interrupted),
            "input": stats.as_dict(), **s.as_dict(),
            "lost_orders": [r.as_dict(lang) for r in s.lost], "causes": causes_objects(s.lost, causes, lang),
            **(extra or {})}


def summary_text(s: Any, stats: Any, *, status: str, source: str, interrupted: bool, lang: str,
                 causes: Mapping[str, CauseMatch]) -> str:
    """The closing block of the text output: counts, causes with their next steps, what to do next."""
    d = s.as_dict()

    def t(zh: str, en: str) -> str:
        return _t(lang, zh, en)

    if s.nothing_to_sweep and not interrupted and status == "ok":
        return "\n" + t(f"没有需要扫单的订单：{source} 中没有待支付订单。",
                        f"Nothing to sweep: {source} lists no unpaid or pending order.") + "\n"
    rate = f" ({d['orders_per_s']:g}/s)" if d["orders_per_s"] else ""
    lines = ["", t(f"扫单完成：{s.total} 个订单，用时 {d['elapsed_s']:g} 秒{rate}",
                   f"Sweep done: {s.total} orders in {d['elapsed_s']:g} s{rate}")
             + (t("（已中断）", " (interrupted)") if interrupted else ""),
             t(f"  掉单（支付平台已收款、店铺未到账）：{d['lost']}", f"  lost (paid at provider, unpaid at shop): {d['lost']}"),
             t(f"  未支付：{d['not_paid']}   支付平台无此订单：{d['not_found']}   店铺已到账：{d['settled']}",
               f"  not paid: {d['not_paid']}   unknown to the provider: {d['not_found']}   "
               f"already settled at the shop: {d['settled']}"),
             t(f"  查询失败：{d['provider_errors']}   超时未查：{d['unchecked']}",
               f"  provider errors: {d['provider_errors']}   unchecked (deadline): {d['unchecked']}")]
    skipped = stats.blank + stats.comments + stats.duplicates + stats.invalid
    if skipped:
        lines.append(t(f"  输入（{source}）：{stats.lines} 行，跳过空行/注释 {stats.blank + stats.comments}、"
                       f"重复 {stats.duplicates}、无效 {stats.invalid}",
                       f"  input ({source}): {stats.lines} lines; ignored {stats.blank + stats.comments} blank/comment, "
                       f"{stats.duplicates} duplicate, {stats.invalid} invalid"))
    if any(r.evidence for r in s.lost):  # the callback logs were read: show the sharper causes
        lines.append(t("  掉单原因（据回调日志）：", "  causes (from the callback logs):"))
        lines += [f"    {cause_label(cid, causes, lang)}: {n}" for cid, n in cause_counts(s.lost)]
        lines += [f"    {r.order_id} → {r.cause or '?'}: {r.evidence.get(lang)}" for r in s.lost
                  if r.evidence and r.cause != FIRST_GUESS][:MAX_EVIDENCE_LINES]
    if s.rate_limited:
        lines.append(t(f"  支付平台限流 {s.rate_limited} 次（已按 Retry-After 暂停），重试 {s.retries} 次",
                       f"  rate-limited {s.rate_limited}× (paused per Retry-After), {s.retries} retries"))
    if s.fatal_error and s.fatal_error.startswith("auth"):
        lines.append(t(f"  支付平台拒绝查询：{s.fatal_error} —— 检查商户号与密钥后重试",
                       f"  the provider refused the queries: {s.fatal_error} — check merchant id and key"))
    elif s.fatal_error:
        lines.append(t(f"  支付平台无应答，已停止查询：{s.fatal_error} —— 检查网关地址与网络，稍后重试",
                       f"  the provider is not answering: {s.fatal_error} — check the gateway URL and network, "
                       "then try again"))
    if s.counts["unchecked"] and not interrupted:
        lines.append(t("  部分订单在时限内未查询：用更大的 --timeout 重新扫单",
                       "  some orders were not asked within the budget: run again with a larger --timeout"))
    if s.lost:
        lines += _cause_steps(s.lost, causes, lang)
        lines.append(t("下一步：对每个掉单运行 kmdiag payment 订单号 查看原因；确认后可用 --renotify 补发回调。",
                       "Next: run `kmdiag payment ORDER_ID` on each lost order for its cause; "
                       "`--renotify` re-sends the callback once confirmed."))
    elif status == "ok":
        lines.append(t("没有发现掉单。", "No lost orders found."))
    return "\n".join(lines) + "\n"


def _cause_steps(lost: list[Any], causes: Mapping[str, CauseMatch], lang: str) -> list[str]:
    """Each cause found, by its title, with the support agent's and the operator's next steps."""
    from kmdiag.i18n import AUDIENCE

    out: list[str] = []
    for cid, n in cause_counts(lost):
        c = causes.get(cid)
        if c is None:
            continue
        out.append(_t(lang, f"{c.title.zh}（{n} 单，{cid}）：", f"{c.title.en} ({n} order(s), {cid}):"))
        for step in c.next_steps:
            if step.audience in STEP_AUDIENCES:
                who = AUDIENCE[step.audience][0 if lang == "zh" else 1]
                out.append(f"  · {who}{'：' if lang == 'zh' else ': '}{step.text.get(lang)}")
    return out
