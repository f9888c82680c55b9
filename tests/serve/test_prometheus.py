"""The real engine: Debian's Prometheus scrapes ``kmdiag serve`` (demo shops with faults), the test
reads the metrics back through Prometheus's HTTP API, kmdiag's own alert rules fire into a real
Alertmanager, and Alertmanager delivers them to a webhook receiver — all on 127.0.0.1.

Kept short: scrape and evaluation every 1 s, the rules' ``for:`` cut to 1 s in the test copy (the
rules themselves, their expressions and labels, are the shipped ones). Prometheus and Alertmanager
listen on loopback only (checked from /proc), Alertmanager's clustering is off, and neither is
configured to contact anything but each other and the loopback webhook.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import yaml

from kmdiag.demo.http import LoopbackHTTPServer
from tests.serve.helpers import MONITORING, Exporter, chromium_browsers, free_port, http, wait_http

PROMETHEUS = shutil.which("prometheus")
ALERTMANAGER = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(PROMETHEUS is None or ALERTMANAGER is None,
                       reason="Debian's prometheus / prometheus-alertmanager are not installed (scripts/setup.sh installs them)"),
]

EXPORTER_CONFIG = """
browsers: 1
min_probe_s: 2
profiles:
  demo-ok: {demo: {command: order}}
  demo-hijack: {demo: {command: order, faults: [dns-hijack]}}
  demo-pay: {demo: {command: payment, seed_orders: 30, seed_lost: 3}}
"""


class Webhook:
    """Alertmanager's receiver: keeps every alert it is sent."""

    def __init__(self) -> None:
        self.alerts: list[dict[str, Any]] = []
        self.posts = 0
        hook = self

        class H(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                hook.posts += 1
                hook.alerts.extend(body.get("alerts", []))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *a: object) -> None:
                return

        self.server = LoopbackHTTPServer(("127.0.0.1", 0), H)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def names(self) -> set[str]:
        return {a["labels"]["alertname"] for a in self.alerts if a.get("status") == "firing"}

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _test_rules(dest: Path) -> None:
    doc = yaml.safe_load((MONITORING / "kmdiag-rules.yml").read_text(encoding="utf-8"))
    for g in doc["groups"]:
        g["interval"] = "1s"
        for r in g["rules"]:
            if "for" in r:
                r["for"] = "1s"
    dest.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _prometheus_config(exp_port: int, am_port: int) -> dict[str, Any]:
    exporter = f"127.0.0.1:{exp_port}"

    def probe_job(name: str, module: str, targets: list[str], interval: str) -> dict[str, Any]:
        return {"job_name": name, "metrics_path": "/probe", "scrape_interval": interval, "scrape_timeout": interval,
                "params": {"module": [module]}, "static_configs": [{"targets": targets}],
                "relabel_configs": [
                    {"source_labels": ["__address__"], "target_label": "__param_profile"},
                    {"source_labels": ["__address__"], "target_label": "profile"},
                    {"source_labels": ["__address__"], "target_label": "shop"},
                    {"source_labels": ["__address__"], "target_label": "instance"},
                    {"target_label": "__address__", "replacement": exporter},
                    {"target_label": "vantage", "replacement": "loopback"}]}

    return {
        "global": {"scrape_interval": "1s", "scrape_timeout": "1s", "evaluation_interval": "1s"},
        "rule_files": ["rules.yml"],
        "alerting": {"alertmanagers": [{"static_configs": [{"targets": [f"127.0.0.1:{am_port}"]}]}]},
        "scrape_configs": [
            # Probes get the scrape timeout less 0.5 s: enough for a sweep of 30 orders and an order
            # run with Chromium on a loaded machine; the test waits for what it needs, not for time.
            probe_job("kmdiag-sweep", "payment-sweep", ["demo-pay"], "4s"),
            probe_job("kmdiag-order", "order", ["demo-hijack", "demo-ok"], "8s"),
            {"job_name": "kmdiag-exporter", "static_configs": [{"targets": [exporter]}]},
        ],
    }


def _alertmanager_config(hook_port: int) -> dict[str, Any]:
    return {"route": {"receiver": "hook", "group_by": ["alertname", "shop"], "group_wait": "1s",
                      "group_interval": "1s", "repeat_interval": "1h"},
            "receivers": [{"name": "hook", "webhook_configs": [
                {"url": f"http://127.0.0.1:{hook_port}/hook", "send_resolved": False}]}]}


def _listening_addresses(pid: int) -> set[str]:
    """Local addresses of the TCP sockets ``pid`` listens on, from /proc (hex ip:port → text)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            link = os.readlink(fd)
        except OSError:
            continue
        if link.startswith("socket:["):
            inodes.add(link[8:-1])
    out = set()
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            f = line.split()
            if f[3] == "0A" and f[9] in inodes:  # LISTEN
                out.add(f[1])
    return out


def _is_loopback(hex_addr: str) -> bool:
    ip = hex_addr.split(":")[0]
    return ip == "0100007F" or ip == "00000000000000000000000001000000"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    if not (shutil.which("chromium") or shutil.which("chromium-browser")):
        pytest.skip("Chromium is not installed (scripts/setup.sh installs it)")
    d = tmp_path_factory.mktemp("prom")
    hook = Webhook()
    (d / "serve.yml").write_text(EXPORTER_CONFIG, encoding="utf-8")
    procs: list[subprocess.Popen[bytes]] = []
    exp = None
    try:
        exp = Exporter(d / "serve.yml", d / "exporter.log")
        am_port, prom_port = free_port(), free_port()
        (d / "am.yml").write_text(yaml.safe_dump(_alertmanager_config(hook.port)), encoding="utf-8")
        am = subprocess.Popen([ALERTMANAGER, f"--config.file={d / 'am.yml'}", f"--storage.path={d / 'am-data'}",
                               f"--web.listen-address=127.0.0.1:{am_port}", "--cluster.listen-address=",
                               "--log.level=warn"], stdout=open(d / "am.log", "wb"), stderr=subprocess.STDOUT)
        procs.append(am)
        _test_rules(d / "rules.yml")
        (d / "prometheus.yml").write_text(yaml.safe_dump(_prometheus_config(exp.port, am_port)), encoding="utf-8")
        prom = subprocess.Popen([PROMETHEUS, f"--config.file={d / 'prometheus.yml'}",
                                 f"--storage.tsdb.path={d / 'prom-data'}", f"--web.listen-address=127.0.0.1:{prom_port}",
                                 "--storage.tsdb.retention.time=1h", "--rules.alert.resend-delay=1s", "--log.level=warn"],
                                stdout=open(d / "prom.log", "wb"), stderr=subprocess.STDOUT)
        procs.append(prom)
        wait_http(f"http://127.0.0.1:{am_port}/-/ready", am)
        wait_http(f"http://127.0.0.1:{prom_port}/-/ready", prom)
        yield {"dir": d, "hook": hook, "exporter": exp, "prom": f"http://127.0.0.1:{prom_port}",
               "am": f"http://127.0.0.1:{am_port}", "procs": {"prometheus": prom, "alertmanager": am}}
    finally:
        for p in reversed(procs):
            p.terminate()
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
        if exp is not None:
            exp.stop()
        hook.close()


def _query(prom: str, q: str) -> list[dict[str, Any]]:
    code, body = http(f"{prom}/api/v1/query?query={quote(q)}", timeout=5)
    assert code == 200, body
    return json.loads(body)["data"]["result"]


def _until(what: str, fn: Any, timeout: float = 90.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = fn()
        if got:
            return got
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


def test_only_loopback_listeners(stack: dict[str, Any]) -> None:
    for name, proc in stack["procs"].items():
        addrs = _listening_addresses(proc.pid)
        assert addrs, f"{name} listens on nothing?"
        assert all(_is_loopback(a) for a in addrs), f"{name} listens off loopback: {addrs}"


def test_metrics_reach_prometheus_and_alerts_reach_the_webhook(stack: dict[str, Any]) -> None:
    prom, hook, exp = stack["prom"], stack["hook"], stack["exporter"]
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, chromium_browsers(exp.proc.pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        lost = _until("kmdiag_paid_unsynced_orders in Prometheus",
                      lambda: _query(prom, 'kmdiag_paid_unsynced_orders{job="kmdiag-sweep"} == 3'))
        assert lost[0]["metric"]["shop"] == "demo-pay" and lost[0]["metric"]["vantage"] == "loopback"
        hijack = _until("the DNS hijack cause in Prometheus",
                        lambda: _query(prom, 'kmdiag_cause{cause="network.dns-hijack", shop="demo-hijack"} > 0'))
        assert hijack[0]["metric"]["layer"] == "network"
        ok = _until("the healthy shop's verdict", lambda: _query(prom, 'kmdiag_probe_success{shop="demo-ok"}'))
        assert ok[0]["value"][1] in ("0", "1")  # scraped; 0 only if the one browser was busy
        own = _until("the exporter's own metrics", lambda: _query(prom, 'kmdiag_exporter_probes_total{job="kmdiag-exporter"}'))
        assert own
        fired = _until("KmdiagPaidUnsynced and KmdiagDnsHijack at the webhook",
                       lambda: {"KmdiagPaidUnsynced", "KmdiagDnsHijack"} <= hook.names() and hook.names())
        paid = next(a for a in hook.alerts if a["labels"]["alertname"] == "KmdiagPaidUnsynced")
        assert paid["labels"]["profile"] == "demo-pay" and paid["labels"]["severity"] == "page"
        assert paid["annotations"]["runbook"].startswith("kmdiag payment --sweep --since 2h --profile demo-pay")
        dns = next(a for a in hook.alerts if a["labels"]["alertname"] == "KmdiagDnsHijack")
        assert dns["labels"] == {"alertname": "KmdiagDnsHijack", "severity": "page", "team": "network",
                                 "shop": "demo-hijack", "vantage": "loopback"}
        assert "KmdiagExporterDown" not in fired and "KmdiagOrderButtonBroken" not in fired
        # Prometheus's own view of the alert matches what was delivered.
        code, body = http(f"{prom}/api/v1/alerts", timeout=5)
        firing = {a["labels"]["alertname"] for a in json.loads(body)["data"]["alerts"] if a["state"] == "firing"}
        assert {"KmdiagPaidUnsynced", "KmdiagDnsHijack"} <= firing
    finally:
        stop.set()
        sampler.join()
    assert 1 <= peak <= 1, f"{peak} Chromium browsers at once under the exporter (browsers: 1)"
