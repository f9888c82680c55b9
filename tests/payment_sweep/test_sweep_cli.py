"""``kmdiag payment --sweep`` end to end against the demo shop and its epay gateway (loopback only)."""

from __future__ import annotations

import io
import json
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from kmdiag.cli.sweep_output import SweepPrinter
from kmdiag.payment.sweep import OrderResult, SweepSummary
from kmdiag.payment.sweep_causes import cause_from_hits, refine
from kmdiag.payment.sweep_inputs import InputStats
from kmdiag.redact import Redactor


def lines(out: str) -> tuple[list[dict], dict]:
    objs = [json.loads(x) for x in out.splitlines() if x.strip()]
    assert objs[-1]["type"] == "summary" and all(o["type"] == "order" for o in objs[:-1])
    return objs[:-1], objs[-1]


def test_demo_sweep_json_finds_exactly_the_seeded_lost(cli) -> None:
    code, out, err = cli("payment", "--demo", "--sweep", "--format", "json")
    assert code == 1, err
    orders, summary = lines(out)
    ids = [o["order_id"] for o in orders]
    assert len(ids) == len(set(ids)) == summary["total"] >= 200  # every order exactly once
    lost = sorted(o["order_id"] for o in orders if o["outcome"] == "lost")
    assert lost == sorted(summary["demo"]["seeded_lost"]) and len(lost) == 5
    assert summary["lost"] == 5 and summary["status"] == "problem" and summary["exit_code"] == 1
    assert summary["checked"] == summary["total"] and summary["provider_errors"] == summary["unchecked"] == 0
    assert summary["settled"] == 0
    for o in summary["lost_orders"]:
        assert o["amount"] == "6.00" and o["paid_at"] and o["trade_no"]
        assert o["cause"] == "payment.callback-missing" and o["evidence"]  # the demo access log was read
    assert "key=" not in out and "sign=" not in out


def test_demo_sweep_text_zh_streams_lost(cli) -> None:
    code, out, _ = cli("payment", "--demo", "--sweep", "--lang", "zh")
    assert code == 1
    assert out.count("  掉单  KM") == 5 and "扫单完成" in out and "掉单（支付平台已收款、店铺未到账）：5" in out
    # the cause by the registry's own title, with the agent's and the operator's next steps in Chinese
    from kmdiag.registry import CAUSES

    cause = CAUSES["payment.callback-missing"]
    assert cause.title.zh in out and "客服：" in out and "运营：" in out and cause.title.en not in out


def test_demo_fault_cause_from_logs(cli) -> None:
    code, out, _ = cli("payment", "--demo", "--sweep", "--fault", "callback-url-wrong", "--format", "json")
    _, summary = lines(out)
    causes = {o["cause"] for o in summary["lost_orders"]}
    assert code == 1 and "payment.callback-url-wrong" in causes and summary["lost"] == 6


def test_orders_file_with_demo(cli, tmp_path: Path) -> None:
    day = time.strftime("KM%Y%m%d")
    ids = [f"{day}{i:06d}" for i in range(1, 221)]
    text = "# orders exported from the admin\n\n" + "\n".join(ids) + "\n" + "\n".join(ids[:10]) + "\n"
    f = tmp_path / "orders.txt"
    f.write_text(text, encoding="utf-8")
    code, out, _ = cli("payment", "--demo", "--sweep", "--orders-file", str(f), "--format", "json",
                       "--concurrency", "8", "--rate", "2000")
    orders, s = lines(out)
    assert code == 1 and len(orders) == 220 == s["total"]
    assert s["input"] == {"lines": 232, "orders": 220, "blank": 1, "comments": 1, "duplicates": 10, "invalid": 0}
    assert sorted(o["order_id"] for o in orders if o["outcome"] == "lost") == sorted(s["demo"]["seeded_lost"])
    assert s["not_found"] >= 1  # ids past the last demo order are unknown to the provider
    # the story order (paid, completed) is in the file: paid at the provider, but the shop has it — not lost
    settled = [o for o in orders if o["outcome"] == "settled"]
    assert [o["order_id"] for o in settled] == [ids[0]] and "completed" in settled[0]["evidence"]


@pytest.mark.parametrize("args,needle", [
    (("--format", "html"), "text or json"),
    (("--since", "5x"), "--since"),
    (("--concurrency", "0"), "--concurrency"),
    (("--rate", "-1"), "--rate"),
    (("--orders-file", "/nonexistent/orders.txt"), "--orders-file"),
    (("KM1",), "ORDER_ID"),
    (("--renotify",), "do not go together"),
    (("--evidence", "/tmp/x"), "--output"),
])
def test_usage_errors(cli, args: tuple[str, ...], needle: str) -> None:
    code, out, err = cli("payment", "--demo", "--sweep", *args)
    assert code == 2 and needle in err and out == ""


def test_needs_a_profile(cli) -> None:
    code, _, err = cli("payment", "--sweep")
    assert code == 2 and "profile" in err


def test_printer_redacts_and_counts() -> None:
    buf = io.StringIO()
    p = SweepPrinter("text", "en", Redactor(["s3cret-merchant-key"]), out=buf)
    s = SweepSummary()
    r = OrderResult("KM1", "lost", amount="1.00", paid_at=0.0, cause="payment.callback-missing")
    p.order(r)
    s.counts["lost"], s.total, s.lost = 1, 1, [r]
    s.counts["error"] = 1
    s.fatal_error = "auth: key s3cret-merchant-key refused"
    p.finish(s, InputStats(lines=3, orders=2, duplicates=1), "problem", source="f.txt")
    text = buf.getvalue()
    assert "LOST  KM1  ¥1.00" in text and "s3cret" not in text and "1 duplicate" in text


def test_cause_from_hits(tmp_path: Path) -> None:
    f = str(tmp_path / "a.log")
    hit = {"kind": "callback", "format": "combined", "source": f, "line_no": 3, "reason": None}
    cause, why = cause_from_hits([], [f])
    assert cause == "payment.callback-missing" and why.en == "no callback for this order in the callback logs"
    assert why.zh == "回调日志里没有这个订单的回调"
    assert cause_from_hits([{"kind": "error", "source": f}], [f]) is None
    page = {**hit, "path": "/bill/KM1", "status": 200}
    assert cause_from_hits([page], [f])[0] == "payment.callback-missing"
    n404 = {**hit, "path": "/pay/yipay/notify?x", "status": 404}
    n502 = {**hit, "path": "/pay/yipay/notify?x", "status": 502}
    n200 = {**hit, "path": "/pay/yipay/notify?x", "status": 200}
    assert cause_from_hits([n502, n404], [f])[0] == "payment.callback-url-wrong"
    assert cause_from_hits([n502, n502], [f])[0] == "payment.callback-endpoint-down"
    assert cause_from_hits([n502, n200], [f])[0] is None  # a 200 may be "fail": the diagnosis must decide
    lara = {"kind": "callback", "format": "laravel", "source": f, "line_no": 9, "reason": "订单金额不一致"}
    cause, why = cause_from_hits([lara], [f])
    assert cause == "payment.amount-mismatch" and why.zh == why.en == "a.log:9: 订单金额不一致"


def test_refine_acg_runtime_log(tmp_path: Path) -> None:
    log = tmp_path / "runtime.log"
    log.write_text("[CALLBACK][2026-11-25 21:00:04]:签名验证失败\n", encoding="utf-8")
    paid = datetime(2026, 11, 25, 21, 0, 0, tzinfo=timezone(timedelta(hours=8))).timestamp()
    lost = [OrderResult("KM1", "lost", paid_at=paid, cause="payment.callback-missing"),
            OrderResult("KM2", "lost", paid_at=paid + 86400, cause="payment.callback-missing")]
    refine(lost, [str(log)])
    assert lost[0].cause == "payment.signature-invalid" and "签名验证失败" in lost[0].evidence.en
    assert lost[1].cause == "payment.callback-missing"


def test_orders_file_expired_order_is_lost_with_its_cause(cli, tmp_path: Path) -> None:
    """The shop expired the story order, the provider took the money: lost, cause payment.order-expired."""
    f = tmp_path / "orders.txt"
    f.write_text(time.strftime("KM%Y%m%d") + "000001\n", encoding="utf-8")
    code, out, _ = cli("payment", "--demo", "--fault", "order-expired", "--sweep", "--orders-file", str(f),
                       "--format", "json")
    orders, s = lines(out)
    assert code == 1 and [o["outcome"] for o in orders] == ["lost"]
    assert s["lost_orders"][0]["cause"] == "payment.order-expired"


def test_client_shards_pin_tasks() -> None:
    import asyncio

    from kmdiag.payment.sweep_clients import ClientShards

    class C:
        closed = False

        async def aclose(self) -> None:
            self.closed = True

    async def main() -> tuple[list, ClientShards]:
        async with ClientShards(lambda n: C(), concurrency=10, per_pool=4) as shards:
            async def worker() -> list:
                return [shards.client() for _ in range(3)]

            got = await asyncio.gather(*(worker() for _ in range(10)))
        return got, shards

    got, shards = asyncio.run(main())
    assert len(shards.clients) == 3 and all(c.closed for c in shards.clients)
    assert all(len({id(c) for c in g}) == 1 for g in got)  # a task keeps its client
    assert sorted(sum(g[0] is c for g in got) for c in shards.clients) == [3, 3, 4]


def test_pending_endpoint_refused_is_inconclusive(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """The admin API refuses the token: exit 3, one clear message, a JSON summary saying why."""
    from kmdiag.demo import runtime

    real_start = runtime.DemoShop.start

    def start(self):  # the demo hands kmdiag a wrong admin token
        demo = real_start(self)
        demo.secrets["KMDIAG_DEMO_ADMIN_TOKEN"] = "not-the-admin-token"
        return demo

    monkeypatch.setattr(runtime.DemoShop, "start", start)
    code, out, err = cli("payment", "--demo", "--sweep", "--format", "json")
    _, summary = lines(out)
    assert code == 3 and "HTTP 401" in err and summary["total"] == 0 and "401" in summary["error"]
    assert summary["status"] == "inconclusive"


def test_timeout_marks_orders_unchecked(cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A provider that hangs: the run ends within --timeout and every order is reported unchecked."""
    from kmdiag.demo import runtime
    from kmdiag.demo.pay import gateway

    real_start = runtime.DemoShop.start

    def start(self):
        demo = real_start(self)
        gateway.gateway_of(demo).query_hook = lambda req: time.sleep(3)  # then answers normally
        return demo

    monkeypatch.setattr(runtime.DemoShop, "start", start)
    f = tmp_path / "orders.txt"
    f.write_text("\n".join(time.strftime("KM%Y%m%d") + f"{i:06d}" for i in range(1, 41)), encoding="utf-8")
    t0 = time.monotonic()
    code, out, _ = cli("payment", "--demo", "--sweep", "--orders-file", str(f), "--timeout", "1",
                       "--format", "json", "--concurrency", "4")
    orders, s = lines(out)
    assert code == 3 and time.monotonic() - t0 < 6
    assert len(orders) == 40 == s["unchecked"] and s["deadline_hit"] and s["lost"] == 0


def test_output_file(cli, tmp_path: Path) -> None:
    target = tmp_path / "out" / "sweep.jsonl"
    code, out, _ = cli("payment", "--demo", "--sweep", "--format", "json", "--output", str(target))
    orders, summary = lines(target.read_text(encoding="utf-8"))
    assert code == 1 and out == "" and summary["lost"] == 5 and len(orders) == summary["total"]


def test_real_gateway_rate_limit_through_the_cli(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo gateway answers 429 + Retry-After for a while: the sweep pauses, retries, misses nothing."""
    import threading

    from kmdiag.demo import runtime
    from kmdiag.demo.http import Response
    from kmdiag.demo.pay import gateway

    real_start = runtime.DemoShop.start
    state = {"n": 0, "until": 0.0}
    lock = threading.Lock()

    def limiter(req):
        with lock:
            state["n"] += 1
            now = time.monotonic()
            if state["n"] == 50:
                state["until"] = now + 0.5
            if now < state["until"]:
                return Response.json({"code": -1, "msg": "请求过于频繁"}, 429, {"Retry-After": "0.5"})
        return None

    def start(self):
        demo = real_start(self)
        gateway.gateway_of(demo).query_hook = limiter
        return demo

    monkeypatch.setattr(runtime.DemoShop, "start", start)
    code, out, _ = cli("payment", "--demo", "--sweep", "--format", "json", "--concurrency", "8")
    orders, s = lines(out)
    assert code == 1 and s["rate_limited"] >= 1 and s["retries"] >= 1
    assert s["provider_errors"] == s["unchecked"] == 0 and len(orders) == s["total"] and s["lost"] == 5


def test_since_narrows_the_pending_window(cli) -> None:
    _, out, _ = cli("payment", "--demo", "--sweep", "--since", "30m", "--format", "json")
    _, s = lines(out)
    assert 0 < s["total"] < 200 and s["input"]["orders"] == s["total"]  # demo orders are 1 min – 1 h old


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_no_secret_in_any_output(cli, monkeypatch: pytest.MonkeyPatch, fmt: str) -> None:
    """The merchant key and the admin token never reach stdout/stderr — also when errors quote them."""
    from kmdiag.demo import runtime

    real_start = runtime.DemoShop.start
    seen: dict[str, str] = {}

    def start(self):
        demo = real_start(self)
        seen.update(demo.secrets)
        return demo

    monkeypatch.setattr(runtime.DemoShop, "start", start)
    code, out, err = cli("payment", "--demo", "--sweep", "--format", fmt, "--fault", "callback-url-wrong")
    assert code == 1 and len(seen) >= 2
    for value in seen.values():
        assert value not in out and value not in err


def test_oversized_provider_answer_is_an_error_not_a_memory_hog(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    from kmdiag.demo import runtime
    from kmdiag.demo.http import Response
    from kmdiag.demo.pay import gateway

    real_start = runtime.DemoShop.start
    huge = "x" * (3 * 1024 * 1024)

    def start(self):
        demo = real_start(self)
        gateway.gateway_of(demo).query_hook = (
            lambda req: Response(200, huge) if req.query.get("out_trade_no", "").endswith("000010") else None)
        return demo

    monkeypatch.setattr(runtime.DemoShop, "start", start)
    code, out, _ = cli("payment", "--demo", "--sweep", "--format", "json")
    orders, s = lines(out)
    bad = [o for o in orders if o["outcome"] == "error"]
    assert code == 1 and s["lost"] == 5 and len(bad) == 1 and bad[0]["order_id"].endswith("000010")
    assert "larger than" in bad[0]["error"]
