"""``kmdiag serve`` as a real process against demo shops it runs itself: the three probers, the
scrape-timeout budget, bounded labels, bad scrapes, the browser pool (Chromium processes counted)
and SIGHUP reloads.
"""

from __future__ import annotations

import json
import re
import shutil
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.serve.helpers import Exporter, chromium_browsers, metric_lines

pytestmark = pytest.mark.browser

CONFIG = """
browsers: 1
min_probe_s: 3
targets: {allow: ["127.0.0.1"]}
profiles:
  page: {profile: page.yaml}
  demo-ok: {demo: {command: order}}
  demo-hijack: {demo: {command: order, faults: [dns-hijack]}}
  demo-pay: {demo: {command: payment, seed_orders: 40, seed_lost: 3}}
modules:
  order: {timeout_s: 20}
  payment: {timeout_s: 20}
  payment-sweep: {profile: demo-pay}
  sweep-dry:
    prober: payment-sweep
    profile: demo-pay
    compensate: {enabled: true, dry_run: true, min_age_s: 0, audit_log: audit.jsonl, record_file: sent.jsonl}
"""
# For target=URL runs: the generic profile's network settings point at public resolvers and a public
# captive-portal URL, which a test must never contact (the exporter is a subprocess: conftest's
# socket guard does not reach it). This profile keeps every lookup and request on loopback.
PAGE_PROFILE = """
name: loopback-page
base_url: http://127.0.0.1/
network: {system_resolver: null, trusted_resolvers: [], captive_portal: null}
platform: {health_path: null}
order: {product_url: /}
"""
LABEL = re.compile(r'(\w+)="([^"]*)"')
SAFE_VALUE = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


@pytest.fixture(scope="module")
def exporter(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Exporter]:
    if not (shutil.which("chromium") or shutil.which("chromium-browser")):
        pytest.skip("Chromium is not installed (scripts/setup.sh installs it)")
    d = tmp_path_factory.mktemp("serve")
    (d / "serve.yml").write_text(CONFIG, encoding="utf-8")
    (d / "page.yaml").write_text(PAGE_PROFILE, encoding="utf-8")
    exp = Exporter(d / "serve.yml", d / "exporter.log")
    exp.dir = d  # type: ignore[attr-defined]
    yield exp
    exp.stop()


def _labels_are_bounded(text: str) -> None:
    for key in metric_lines(text):
        for name, value in LABEL.findall(key):
            assert SAFE_VALUE.match(value), f"label {name}={value!r} is not an id-like value"
            assert not value.startswith("km20"), f"an order id as a label: {key}"


def test_order_probe_healthy(exporter: Exporter) -> None:
    code, body = exporter.get("/probe?module=order&profile=demo-ok", timeout_header=20)
    assert code == 200
    m = metric_lines(body)
    assert m["kmdiag_probe_success"] == 1, body
    assert m['kmdiag_check_status{check="browser.click-sends-order",layer="browser"}'] == 0
    for phase in ("dns", "connect", "tls", "ttfb", "page_load", "click_to_request"):
        assert f'kmdiag_probe_phase_seconds{{phase="{phase}"}}' in m, phase
    assert m["kmdiag_causes"] == 0
    assert 0 < m["kmdiag_probe_duration_seconds"] <= m["kmdiag_probe_timeout_seconds"] == 19.5
    _labels_are_bounded(body)


def test_order_probe_dns_hijack(exporter: Exporter) -> None:
    code, body = exporter.get("/probe?module=order&profile=demo-hijack", timeout_header=20)
    m = metric_lines(body)
    assert code == 200 and m["kmdiag_probe_success"] == 0
    assert m['kmdiag_cause{cause="network.dns-hijack",layer="network"}'] > 0.5
    assert m['kmdiag_cause_root{cause="network.dns-hijack",layer="network"}'] == 1
    assert m['kmdiag_check_status{check="network.dns-consistent",layer="network"}'] == 2
    assert m['kmdiag_probe_failure_info{reason="problem"}'] == 1
    _labels_are_bounded(body)


def test_sweep_and_single_payment(exporter: Exporter) -> None:
    code, body = exporter.get("/probe?module=sweep-dry&since=1h", timeout_header=20)
    m = metric_lines(body)
    assert code == 200
    assert m["kmdiag_paid_unsynced_orders"] == 3
    assert m['kmdiag_paid_unsynced_by_cause{cause="payment.callback-missing"}'] == 3
    assert m["kmdiag_paid_unsynced_oldest_age_seconds"] > 0
    assert m['kmdiag_sweep_orders{outcome="lost"}'] == 3 and m["kmdiag_sweep_orders_checked"] >= 40
    assert m['kmdiag_compensation_actions{outcome="dry-run"}'] == 3
    _labels_are_bounded(body)
    # The dry-run's audit log names the lost orders (metrics never do): probe one of them.
    audit = [json.loads(x) for x in (exporter.dir / "audit.jsonl").read_text().splitlines()]  # type: ignore[attr-defined]
    oid = audit[0]["order_id"]
    assert oid not in body
    code, body = exporter.get(f"/probe?module=payment&profile=demo-pay&order={oid}", timeout_header=20)
    m = metric_lines(body)
    assert code == 200 and m["kmdiag_probe_success"] == 0
    assert m['kmdiag_cause{cause="payment.callback-missing",layer="payment"}'] > 0.5
    assert oid not in body
    _labels_are_bounded(body)
    # Dry-run changed nothing: the same three are still lost.
    _code, body = exporter.get("/probe?module=payment-sweep", timeout_header=20)
    assert metric_lines(body)["kmdiag_paid_unsynced_orders"] == 3


@pytest.mark.parametrize("query, needle", [
    ("", "missing module"), ("module=nope", "unknown module"), ("module=order", "needs target"),
    ("module=order&profile=nope", "unknown profile"),
    ("module=order&target=ftp://shop.example.com/", "http"),
    ("module=order&target=https://u:p@shop.example.com/", "credentials"),
    ("module=order&profile=demo-ok&target=https://127.0.0.1:1/", "leave out target"),
    ("module=order&target=https://shop.example.com/buy/1", "not in this exporter's targets.allow"),
    ("module=payment&profile=demo-pay", "order=ORDER_ID"), ("module=payment&profile=demo-pay&order=../../x", "not an order"),
    ("module=payment-sweep&target=https://x.example/", "no target"), ("module=payment-sweep&since=forever", "since"),
])
def test_bad_scrapes_are_400_with_a_reason(exporter: Exporter, query: str, needle: str) -> None:
    code, body = exporter.get("/probe?" + query)
    assert code == 400
    assert needle in body


PAGE = (b"<!doctype html><html><head><meta charset=utf-8><title>shop</title></head><body>"
        b"<button id=buy-now onclick=\"fetch('/api/orders',{method:'POST'})\">\xe7\xab\x8b\xe5\x8d\xb3\xe8\xb4\xad\xe4\xb9\xb0</button>"
        b"</body></html>")


def test_order_probe_of_a_target_url(exporter: Exporter) -> None:
    """target=URL runs the diagnosis on that URL (a plain loopback page; a loopback-only profile)."""
    from http.server import BaseHTTPRequestHandler

    from kmdiag.demo.http import LoopbackHTTPServer

    class H(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(PAGE)))
            self.end_headers()
            self.wfile.write(PAGE)

        def do_POST(self) -> None:  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *a: object) -> None:
            return

    srv = LoopbackHTTPServer(("127.0.0.1", 0), H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        target = f"http://127.0.0.1:{srv.server_address[1]}/buy/1?ref=ad-campaign"
        code, body = exporter.get(f"/probe?module=order&profile=page&target={target}", timeout_header=20)
    finally:
        srv.shutdown()
        srv.server_close()
    m = metric_lines(body)
    assert code == 200, body
    assert m['kmdiag_check_status{check="browser.page-load",layer="browser"}'] == 0
    assert m['kmdiag_check_status{check="browser.button-found",layer="browser"}'] == 0
    assert "ad-campaign" not in body and "127.0.0.1" not in body  # the URL is never a label
    _labels_are_bounded(body)


def test_scrape_timeout_is_honoured(exporter: Exporter) -> None:
    started = time.monotonic()
    code, body = exporter.get("/probe?module=order&profile=demo-ok", timeout_header=3.0)
    took = time.monotonic() - started
    m = metric_lines(body)
    assert code == 200 and m["kmdiag_probe_timeout_seconds"] == 2.5
    assert took < 3.0 + 1.5, took  # answered before Prometheus gives up (generous margin on a loaded machine)


def test_concurrent_scrapes_never_exceed_the_pool(exporter: Exporter) -> None:
    results: list[dict[str, float]] = []
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, chromium_browsers(exporter.proc.pid))
            time.sleep(0.05)

    def scrape() -> None:
        _code, body = exporter.get("/probe?module=order&profile=demo-ok", timeout_header=12)
        results.append(metric_lines(body))

    sampler = threading.Thread(target=sample)
    sampler.start()
    # 8 scrapes of 12 s (min_probe_s 3: a 9 s window to get the one browser); a run takes well over
    # 9/8 s even on an idle machine (Chromium alone starts in ~0.5 s), so some must be turned away,
    # and 12 s is long enough for the first run to reach Chromium even on a heavily loaded one.
    scrapers = [threading.Thread(target=scrape) for _ in range(8)]
    for t in scrapers:
        t.start()
    for t in scrapers:
        t.join(40)
    stop.set()
    sampler.join()
    assert len(results) == 8
    assert peak >= 1, "no Chromium seen under the exporter: the sampler is blind"
    assert peak <= 1, f"{peak} browsers at once with browsers: 1"
    busy = [r for r in results if r.get('kmdiag_probe_failure_info{reason="browser-pool-busy"}') == 1]
    assert busy, "eight runs cannot all start inside a 9 s window with one browser"
    assert all(r["kmdiag_probe_success"] == 0 for r in busy)
    # The others got the browser: each answered its diagnosis, or (on a machine so loaded that the run
    # overran its budget) the exporter's own deadline answer — never an error, never late.
    ran = [r for r in results if r not in busy]
    assert ran
    for r in ran:
        assert any(k.startswith("kmdiag_probe_report_status") for k in r) \
            or r.get('kmdiag_probe_failure_info{reason="deadline"}') == 1, r
        assert r["kmdiag_probe_duration_seconds"] <= r["kmdiag_probe_timeout_seconds"] + 0.5
    _code, own = exporter.get("/metrics")
    om = metric_lines(own)
    assert om["kmdiag_exporter_browsers_max"] == 1 and om["kmdiag_exporter_browsers_in_use"] == 0
    assert om['kmdiag_exporter_probes_total{module="order",result="failure"}'] >= len(busy)
    assert om["process_resident_memory_bytes"] > 0


def test_sighup_reloads_and_a_bad_file_keeps_the_old_config(tmp_path: Path) -> None:
    cfg = tmp_path / "serve.yml"
    cfg.write_text("browsers: 1\nprofiles:\n  shop: {profile: generic}\n", encoding="utf-8")
    exp = Exporter(cfg, tmp_path / "log")
    try:
        def own() -> dict[str, float]:
            return metric_lines(exp.get("/metrics")[1])

        def wait_for(pred: object) -> dict[str, float]:
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline:
                m = own()
                if pred(m):  # type: ignore[operator]
                    return m
                time.sleep(0.1)
            raise AssertionError(f"no reload seen: {(tmp_path / 'log').read_text()[-500:]}")

        first = own()["kmdiag_exporter_config_last_reload_success_timestamp_seconds"]
        cfg.write_text("browsers: 3\nprofiles:\n  shop: {profile: generic}\n  other: {profile: generic}\n", encoding="utf-8")
        exp.proc.send_signal(signal.SIGHUP)
        m = wait_for(lambda m: m["kmdiag_exporter_browsers_max"] == 3)
        assert m["kmdiag_exporter_config_last_reload_successful"] == 1
        assert m["kmdiag_exporter_config_last_reload_success_timestamp_seconds"] > first
        cfg.write_text("browsers: 0\n", encoding="utf-8")
        exp.proc.send_signal(signal.SIGHUP)
        m = wait_for(lambda m: m["kmdiag_exporter_config_last_reload_successful"] == 0)
        assert m["kmdiag_exporter_browsers_max"] == 3  # still serving the previous configuration
        assert "serve.yml:1: browsers" in (tmp_path / "log").read_text()
        code, body = exp.get("/probe?module=payment-sweep&profile=nope")
        assert code == 400 and "other" in body  # the reloaded profile list is the one in force
    finally:
        exp.stop()
    assert exp.proc.returncode == 0
