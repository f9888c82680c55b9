"""Streams the sweep's results: each lost order as soon as it is found, then a summary; or JSON Lines.

Why streaming: a sweep over thousands of orders can take minutes against a throttled provider, and
the agent wants the first 掉单 on screen at once (and a partial answer if they press Ctrl-C). JSON
(``--format json``) is JSON Lines, one object per input order (``"type": "order"``) as it completes,
then one ``"type": "summary"`` object — so a pipeline can ``jq`` it while it runs, and "every order
exactly once" can be checked by counting lines. The words come from ``kmdiag.render.sweep``, the
cause titles and steps from the registry; everything written passes the Redactor.
"""

from __future__ import annotations

import json
from typing import IO, Any

from kmdiag.cli.env import is_tty
from kmdiag.exit_codes import STATUS_TO_EXIT
from kmdiag.i18n import T
from kmdiag.models import CauseMatch, NextStep
from kmdiag.redact import Redactor
from kmdiag.render import sweep as words

# Placeholders of the registry's steps, said for "each lost order" rather than one order's values.
_GENERIC = {"order_id": T(zh="订单号", en="ORDER_ID"), "paid_at": T(zh="付款时间", en="the payment time"),
            "trade_no": T(zh="交易号", en="the trade no."), "status": T(zh="待支付", en="unpaid"),
            "expired": T(zh="已过期", en="expired")}


def describe(cause_ids: Any) -> dict[str, CauseMatch]:
    """Cause id → the registry's title and next steps (both languages); ids the registry lacks are left out."""
    import kmdiag.causes  # noqa: F401 - registers the built-in causes
    from kmdiag.registry import CAUSES

    out: dict[str, CauseMatch] = {}
    for cid in dict.fromkeys(c for c in cause_ids if c):
        spec = CAUSES.get(cid)
        if spec is None:
            continue
        out[cid] = CauseMatch(id=cid, confidence=0.0, title=spec.title.format(**_GENERIC),
                              explanation=spec.explanation.format(**_GENERIC), checks=[],
                              next_steps=[NextStep(s.audience, s.text.format(**_GENERIC)) for s in spec.steps],
                              layer=spec.layer)
    return out


def shop_time(epoch: float | None) -> str:
    """The provider's paid time as a 发卡 shop and its provider keep it: UTC+8 (kmdiag.payment.shoptime)."""
    from kmdiag.payment import shoptime

    return "-" if epoch is None else shoptime.shop_time(epoch) + " UTC+8"


class SweepPrinter:
    """Writes results as they come (``order``) and the summary at the end (``finish``)."""

    def __init__(self, fmt: str, lang: str, redactor: Redactor, out: IO[str] | None = None) -> None:
        import sys

        self.fmt = fmt
        self.lang = lang
        self.redactor = redactor
        self.out = out if out is not None else sys.stdout
        self.progress: Any = None
        self._header = False
        self._causes: dict[str, CauseMatch] | None = None

    @property
    def causes(self) -> dict[str, CauseMatch]:
        """The registry's words for every cause the sweep can name, looked up when first needed
        (a sweep that finds nothing lost never loads the cause registry)."""
        if self._causes is None:
            from kmdiag.payment.sweep_causes import cause_ids

            self._causes = describe(cause_ids())
        return self._causes

    def _write(self, text: str) -> None:
        text = self.redactor.text(text)
        if self.progress is not None and self.progress.live and is_tty(self.out):
            # stdout and the bar share the terminal: print above the bar instead of through it
            self.progress.bar.console.print(text, end="", markup=False, highlight=False, soft_wrap=True)
            return
        self.out.write(text)
        self.out.flush()

    def order(self, r: Any) -> None:
        if self.progress is not None:
            self.progress.advance(r.outcome)
        if self.fmt == "json":
            self._write(json.dumps(words.order_object(r, self.lang), ensure_ascii=False) + "\n")
            return
        if r.outcome != "lost":
            return
        if not self._header:
            self._write(words.lost_header(self.lang))
            self._header = True
        self._write(words.lost_line(r, self.lang, self.causes, shop_time))

    def finish(self, s: Any, stats: Any, status: str, *, source: str, extra: dict[str, Any] | None = None,
               interrupted: bool = False, exit_code: int | None = None) -> None:
        """The summary; ``status`` is the outcome word, ``exit_code`` the CLI's (from the word when not given)."""
        if self.progress is not None:
            self.progress.stop()
            self.progress = None
        causes = self.causes if s.lost else {}
        if self.fmt == "json":
            code = exit_code if exit_code is not None else int(STATUS_TO_EXIT.get(status, 3))
            obj = words.summary_object(s, stats, status=status, exit_code=code, source=source, interrupted=interrupted,
                                       lang=self.lang, causes=causes, extra=extra)
            self._write(json.dumps(obj, ensure_ascii=False) + "\n")
            return
        self._write(words.summary_text(s, stats, status=status, source=source, interrupted=interrupted,
                                       lang=self.lang, causes=causes))


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
