"""The sweep on the main parts: registered cause ids, the checks' reason rules, mapped callback sources,
the one target resolution, "nothing to sweep", exit codes only in cli/, an injected terminal."""

from __future__ import annotations

import ast
import io
import json
import time
from pathlib import Path

import pytest

from kmdiag.checks import callback_reasons
from kmdiag.payment.sweep import LOST_CAUSE, OrderResult, SweepSummary

ROOT = Path(__file__).resolve().parents[2]


def test_every_cause_the_sweep_can_emit_is_registered_in_both_languages() -> None:
    from kmdiag import plugins, registry
    from kmdiag.cli.sweep_output import describe
    from kmdiag.payment.sweep_causes import cause_ids

    CAUSE_IDS = cause_ids()  # noqa: N806
    plugins.load_builtins()
    assert LOST_CAUSE in CAUSE_IDS and "payment.order-expired" in CAUSE_IDS
    assert set(callback_reasons.CAUSE_IDS) <= set(CAUSE_IDS)
    missing = [c for c in CAUSE_IDS if c not in registry.CAUSES]
    assert missing == []
    # the ids the sweep code writes literally are in the list too
    src = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "kmdiag" / "payment").glob("sweep*.py"))
    literal = {n.value for n in ast.walk(ast.parse(src)) if isinstance(n, ast.Constant) and isinstance(n.value, str)
               and n.value.startswith("payment.") and n.value.count(".") == 1 and "-" in n.value}
    assert literal <= set(CAUSE_IDS), literal - set(CAUSE_IDS)
    described = describe(CAUSE_IDS)
    assert set(described) == set(CAUSE_IDS)
    for c in described.values():
        assert c.title.zh and c.title.en and c.title.zh != c.title.en
        steps = [s for s in c.next_steps if s.audience in ("agent", "operator")]
        assert steps and all(s.text.zh and s.text.en and "{" not in s.text.get(lang)
                             for s in steps for lang in ("zh", "en"))


def test_one_reason_rule_set_for_the_checks_and_the_sweep() -> None:
    from kmdiag.checks import _payment_verify
    from kmdiag.payment.sweep_causes import cause_from_hits

    assert _payment_verify._SIG_WORDS is callback_reasons.SIGNATURE
    assert _payment_verify._DECRYPT_WORDS is callback_reasons.DECRYPT
    assert callback_reasons.reason_cause("验签失败 / signature invalid") == "payment.signature-invalid"
    assert callback_reasons.reason_cause("订单金额不一致") == "payment.amount-mismatch"
    assert callback_reasons.reason_cause("订单已过期") == "payment.order-expired"
    assert callback_reasons.reason_cause("The GET method is not supported for this route") == "payment.callback-url-wrong"
    assert callback_reasons.reason_cause("库存不足") is None and callback_reasons.reason_cause(None) is None
    assert callback_reasons.status_cause([502, 404]) == "payment.callback-url-wrong"
    assert callback_reasons.status_cause([502, 499]) == "payment.callback-endpoint-down"
    assert callback_reasons.status_cause([502, 200]) is None and callback_reasons.status_cause([]) is None
    hit = {"kind": "callback", "format": "laravel", "source": "/x/app.log", "line_no": 2, "reason": "验签失败"}
    assert cause_from_hits([hit], ["/x/app.log"])[0] == callback_reasons.reason_cause("验签失败")


def test_mapped_callback_sources_are_read(tmp_path: Path) -> None:
    """A JSON-lines log with the shop's own field names (callback_log.sources): the sweep reads it too."""
    from kmdiag.payment.sweep_causes import refine_sources
    from kmdiag.profile.loader import parse_profile

    log = tmp_path / "notify.jsonl"
    log.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in [
        {"oid": "KM1", "at": "2026-11-25 21:00:04", "uri": "/notify", "code": 200, "why": "金额不一致"},
        {"oid": "KM3", "at": "2026-11-25 21:00:05", "uri": "/notify", "code": 200, "why": ""},
    ]) + "\n", encoding="utf-8")
    profile = parse_profile(f"""
name: mapped
base_url: http://127.0.0.1:9/
payment:
  provider: {{kind: epay}}
  callback_log:
    sources:
      - name: notify-log
        files: [{log}]
        format: jsonl
        fields: {{order_id: oid, time: at, path: uri, status: code, reason: why}}
""")
    lost = [OrderResult(o, "lost", cause=LOST_CAUSE) for o in ("KM1", "KM2")]
    refine_sources(lost, profile.payment.callback_log.all_sources())
    assert lost[0].cause == "payment.amount-mismatch" and "金额不一致" in lost[0].evidence.en
    assert lost[1].cause == LOST_CAUSE and lost[1].evidence.en == "no callback for this order in the callback logs"


def test_nothing_to_sweep_is_ok() -> None:
    from kmdiag.cli.sweep import exit_for
    from kmdiag.cli.sweep_output import SweepPrinter
    from kmdiag.payment.sweep_inputs import InputStats
    from kmdiag.payment.sweep_run import sweep_status
    from kmdiag.redact import Redactor

    s = SweepSummary()
    assert s.nothing_to_sweep and sweep_status(s, InputStats()) == "ok" and exit_for("ok") == 0
    assert sweep_status(s, InputStats(lines=2, invalid=2)) == "inconclusive"
    s.deadline_hit = True
    assert not s.nothing_to_sweep and s.status == "inconclusive"
    for lang, want in (("en", "Nothing to sweep"), ("zh", "没有需要扫单的订单")):
        buf = io.StringIO()
        SweepPrinter("text", lang, Redactor([]), out=buf).finish(SweepSummary(), InputStats(), "ok",
                                                                  source="pending_orders_endpoint")
        assert want in buf.getvalue()


def test_demo_with_an_empty_pending_list_exits_0(cli) -> None:
    """The demo's orders are 1 min – 1 h old: ``--since 1s`` lists none. A clear answer, exit 0 (not 3)."""
    code, out, err = cli("payment", "--demo", "--sweep", "--since", "1s", "--format", "json")
    summary = json.loads(out.splitlines()[-1])
    assert code == 0, err
    assert summary["status"] == "ok" and summary["exit_code"] == 0 and summary["nothing_to_sweep"] is True
    assert summary["total"] == 0 and summary["input"]["orders"] == 0


def test_payment_never_imports_cli_or_demo_and_exit_codes_live_in_cli() -> None:
    bad = []
    for p in sorted((ROOT / "kmdiag" / "payment").rglob("*.py")):
        for n in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            names = ([a.name for a in n.names] if isinstance(n, ast.Import)
                     else [n.module or ""] if isinstance(n, ast.ImportFrom) else [])
            bad += [f"{p.name}: {m}" for m in names if m.startswith(("kmdiag.cli", "kmdiag.demo"))]
            if isinstance(n, ast.Attribute) and n.attr in ("exit_code", "STATUS_TO_EXIT"):
                bad.append(f"{p.name}: .{n.attr}")
            if isinstance(n, ast.ExceptHandler) and "KeyboardInterrupt" in ast.unparse(n.type or ast.Constant(0)):
                bad.append(f"{p.name}: catches KeyboardInterrupt")
    assert bad == []
    assert not (ROOT / "kmdiag" / "payment" / "sweep_cli.py").exists()
    assert not (ROOT / "kmdiag" / "payment" / "renotify_cli.py").exists()


def test_one_target_resolution_for_every_command(monkeypatch: pytest.MonkeyPatch, cli) -> None:
    """order, payment, --sweep and --renotify all resolve the shop through kmdiag.cli.target.resolve."""
    from kmdiag.cli import target
    from kmdiag.errors import UsageError

    seen: list[str] = []

    def resolve(opts, **kw):
        seen.append(f"{opts.command}:{kw.get('label') or kw['command']}")
        raise UsageError("resolved")

    monkeypatch.setattr(target, "resolve", resolve)
    for args in (("order", "--demo"), ("payment", "KM1", "--demo"), ("payment", "--sweep", "--demo"),
                 ("payment", "KM1", "--renotify", "--demo")):
        code, _, err = cli(*args)
        assert code == 2 and "resolved" in err, (args, err)
    assert seen == ["order:order", "payment:payment", "payment:payment --sweep", "payment:payment"]


def test_a_bad_url_is_refused_by_the_sweep_too(cli) -> None:
    code, out, err = cli("payment", "--sweep", "--url", "ftp://shop.example.com/")
    assert code == 2 and out == "" and "Traceback" not in err


def test_injected_terminal_answers_the_renotify_question(tmp_path: Path) -> None:
    """A test hands the CLI its stdin/stdout as a Terminal instead of monkeypatching sys.stdin.isatty."""
    from kmdiag.cli.app import run
    from kmdiag.cli.env import Terminal

    class TtyIn(io.StringIO):
        def isatty(self) -> bool:
            return True

    out, err = io.StringIO(), io.StringIO()
    t0 = time.monotonic()
    code = run(["payment", "--demo", "--renotify", "--lang", "en"],
               term=Terminal(stdin=TtyIn("n\n"), stdout=out, stderr=err, environ={}))
    assert code == 1 and "Send it? [y/N]" in out.getvalue() and "will send" in out.getvalue(), err.getvalue()
    assert "platform replied" not in out.getvalue() and time.monotonic() - t0 < 60
    assert Terminal(stdout=io.StringIO(), environ={}).color("text") is False


def test_settle_is_pure_judgement_of_the_shop_record() -> None:
    from kmdiag.payment.sweep_platform import settle

    def lost() -> OrderResult:
        return OrderResult("KM1", "lost", cause=LOST_CAUSE)

    assert settle(lost(), {"status": "unpaid", "http_status": 200}).outcome == "lost"
    r = settle(lost(), {"status": "expired", "http_status": 200})
    assert r.outcome == "lost" and r.cause == "payment.order-expired"
    r = settle(lost(), {"status": "completed", "http_status": 200})
    assert r.outcome == "settled" and r.cause is None and "completed" in r.evidence.en
    r = settle(lost(), {"status": None, "error": "ConnectError: refused", "http_status": None})
    assert r.outcome == "lost" and r.evidence.en == "shop order not re-checked: ConnectError"
    r = settle(lost(), {"status": None, "http_status": 404})
    assert r.outcome == "lost" and r.evidence.en == "shop order not re-checked: HTTP 404, no status"
