"""What the sweep prints: each lost order as soon as it is found, then a summary; or JSON Lines.

Why streaming: a sweep over thousands of orders can take minutes against a throttled provider, and
the agent wants the first 掉单 on screen at once (and a partial answer if they press Ctrl-C). JSON
(``--format json``) is JSON Lines, one object per input order (``"type": "order"``) as it completes,
then one ``"type": "summary"`` object — so a pipeline can ``jq`` it while it runs, and "every order
exactly once" can be checked by counting lines. Everything printed passes the Redactor.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import IO, Any

from kmdiag import __version__
from kmdiag.i18n import T
from kmdiag.payment.shoptime import SHOP_TZ  # 发卡 shops and their providers keep time in UTC+8
from kmdiag.payment.sweep import LOST_CAUSE, OrderResult, SweepSummary
from kmdiag.payment.sweep_inputs import InputStats
from kmdiag.redact import Redactor

STATUS = {0: "ok", 1: "problem", 3: "inconclusive", 129: "interrupted", 130: "interrupted", 143: "interrupted"}


def shop_time(epoch: float | None) -> str:
    if epoch is None:
        return "-"
    return datetime.fromtimestamp(epoch, SHOP_TZ).strftime("%Y-%m-%d %H:%M:%S") + " UTC+8"


class SweepPrinter:
    """Writes results as they come (``order``) and the summary at the end (``finish``)."""

    def __init__(self, fmt: str, lang: str, redactor: Redactor, out: IO[str] | None = None) -> None:
        self.fmt = fmt
        self.lang = lang
        self.redactor = redactor
        self.out = out or sys.stdout
        self.progress: Any = None
        self._header = False

    def _write(self, text: str) -> None:
        text = self.redactor.text(text)
        if self.progress is not None and self.progress.live and _isatty(self.out):
            # stdout and the bar share the terminal: print above the bar instead of through it
            self.progress.bar.console.print(text, end="", markup=False, highlight=False, soft_wrap=True)
            return
        self.out.write(text)
        self.out.flush()

    def t(self, zh: str, en: str) -> str:
        return T(zh=zh, en=en).get(self.lang)

    def order(self, r: OrderResult) -> None:
        if self.progress is not None:
            self.progress.advance(r.outcome)
        if self.fmt == "json":
            self._write(json.dumps({"type": "order", **r.as_dict(self.lang)}, ensure_ascii=False) + "\n")
            return
        if r.outcome != "lost":
            return
        if not self._header:
            self._write(self.t("掉单（支付平台已收款，店铺仍未支付）：\n", "Lost orders (paid at the provider, unpaid at the shop):\n"))
            self._header = True
        amount = f"¥{r.amount}" if r.amount else "-"
        self._write(f"  {self.t('掉单', 'LOST')}  {r.order_id}  {amount}  {self.t('支付于', 'paid')} "
                    f"{shop_time(r.paid_at)}  trade_no {r.trade_no or '-'}  → {r.cause or '?'}\n")

    def finish(self, s: SweepSummary, stats: InputStats, code: int, *, source: str,
               extra: dict[str, Any] | None = None, interrupted: bool = False) -> None:
        if self.progress is not None:
            self.progress.stop()
            self.progress = None
        if self.fmt == "json":
            obj = {"type": "summary", "schema_version": 1, "tool": {"name": "kmdiag", "version": __version__},
                   "command": "payment --sweep", "status": STATUS.get(code, "inconclusive"), "exit_code": code,
                   "source": source, "interrupted": interrupted, "input": stats.as_dict(), **s.as_dict(),
                   "lost_orders": [r.as_dict(self.lang) for r in s.lost], **(extra or {})}
            self._write(json.dumps(obj, ensure_ascii=False) + "\n")
            return
        d = s.as_dict()
        t = self.t
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
        causes: dict[str, int] = {}
        for r in s.lost:
            causes[r.cause or "?"] = causes.get(r.cause or "?", 0) + 1
        if any(r.evidence for r in s.lost):  # the callback logs were read: show the sharper causes
            lines.append(t("  掉单原因（据回调日志）：", "  causes (from the callback logs):"))
            lines += [f"    {cause}: {n}" for cause, n in sorted(causes.items(), key=lambda kv: -kv[1])]
            lines += [f"    {r.order_id} → {r.cause or '?'}: {r.evidence.get(self.lang)}" for r in s.lost
                      if r.evidence and r.cause != LOST_CAUSE][:20]
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
            lines.append(t("下一步：对每个掉单运行 kmdiag payment 订单号 查看原因；确认后可用 --renotify 补发回调。",
                           "Next: run `kmdiag payment ORDER_ID` on each lost order for its cause; "
                           "`--renotify` re-sends the callback once confirmed."))
        elif code == 0:
            lines.append(t("没有发现掉单。", "No lost orders found."))
        self._write("\n".join(lines) + "\n")


class Progress:
    """A rich progress bar on stderr (only on a terminal): orders done, lost so far."""

    def __init__(self, total: int | None, lang: str) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self.lost = 0
        self.lang = lang
        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                            console=Console(stderr=True), transient=True)
        self.task = self.bar.add_task(self._label(), total=total)
        self.bar.start()
        self.live = True

    def _label(self) -> str:
        return T(zh=f"扫单中 · 掉单 {self.lost}", en=f"sweeping · lost {self.lost}").get(self.lang)

    def advance(self, outcome: str) -> None:
        if outcome == "lost":
            self.lost += 1
            self.bar.update(self.task, description=self._label())
        self.bar.advance(self.task)

    def stop(self) -> None:
        self.live = False
        self.bar.stop()


def _isatty(f: IO[str]) -> bool:
    try:
        return f.isatty()
    except (AttributeError, ValueError):
        return False
