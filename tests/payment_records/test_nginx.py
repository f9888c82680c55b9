"""An access log written by a real nginx (Debian's nginx-light): combined + $request_time, proxying
epay GET notifies to a loopback notify handler. kmdiag reads the log the profile names, verifies
each GET notify from its query string, and sees the proxy giving up (504 at the timeout) as slow
handling.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from kmdiag.payment.providers import epay
from tests.payment_records.othershop import OtherShop

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
pytestmark = pytest.mark.skipif(NGINX is None, reason="no nginx binary (apt-get install nginx-light; scripts/setup.sh tries)")

CONF = """
daemon off;
master_process off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 64; }}
http {{
    log_format timed '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent '
                     '"$http_referer" "$http_user_agent" $request_time';
    access_log {prefix}/access.log timed;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://127.0.0.1:{upstream};
            proxy_read_timeout 1s;
        }}
    }}
}}
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("nginx")
    shop = OtherShop(tmp)
    port = _free_port()
    (tmp / "nginx.conf").write_text(CONF.format(prefix=tmp, port=port, upstream=shop.server.port), encoding="utf-8")
    proc = subprocess.Popen([NGINX, "-p", str(tmp), "-c", str(tmp / "nginx.conf")],  # type: ignore[list-item]
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # wait for the listening socket, not a fixed sleep
        if proc.poll() is not None:
            shop.close()
            pytest.skip(f"nginx did not start: {proc.stderr.read().decode()[:300] if proc.stderr else ''}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    yield {"shop": shop, "front": f"http://127.0.0.1:{port}", "log": tmp / "access.log", "tmp": tmp}
    proc.terminate()
    proc.wait(5)
    shop.close()


def _gateway_sends(rig: dict[str, Any], oid: str, key: str) -> int:
    """What 彩虹易支付 does: GET notify_url?<signed params>, a desktop User-Agent, a timeout."""
    p = epay.notify_params(pid="1001", trade_no="T" + oid, out_trade_no=oid, type="alipay", name="卡密", money="10", key=key)
    r = httpx.get(f"{rig['front']}/notify/epay?{urlencode(p)}", timeout=5,
                  headers={"User-Agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120.0"})
    return r.status_code


def _log_line(log: Path, oid: str) -> str:
    """nginx writes the access-log line after the client has its 504: wait for the line, not a fixed time."""
    deadline = time.monotonic() + 5
    while True:
        found = [x for x in (log.read_text() if log.exists() else "").splitlines() if oid in x]
        if found or time.monotonic() > deadline:
            return found[0] if found else ""
        time.sleep(0.02)


def _profile(rig: dict[str, Any]) -> str:
    shop: OtherShop = rig["shop"]
    p = rig["tmp"] / "p.yaml"
    p.write_text(f"""
name: nginx-shop
base_url: {shop.base}/
payment:
  order_endpoint: /api/order?sn={{order_id}}
  order_fields: {{status: order.state, amount: order.money}}
  status_map: {{WAIT: unpaid, DONE: completed}}
  notify_url: {rig['front']}/notify/epay
  callback_log: {{files: ["{rig['log']}"], format: combined}}
  provider: {{kind: epay, gateway: {shop.base}/, merchant_id: "1001", md5_key_env: NG_MD5, notify_timeout_s: 5,
             retry_schedule_s: [0, 60, 180, 1140, 3300]}}
""", encoding="utf-8")
    return str(p)


def _diagnose(cli: Any, monkeypatch: pytest.MonkeyPatch, rig: dict[str, Any], oid: str) -> dict:
    monkeypatch.setenv("NG_MD5", rig["shop"].md5_key)
    code, out, err = cli("payment", oid, "--profile", _profile(rig), "--format", "json", "--timeout", "15")
    assert out, err
    return json.loads(out)


def test_a_proxy_timeout_in_the_access_log_is_slow_processing(cli, rig: dict[str, Any], monkeypatch) -> None:
    shop: OtherShop = rig["shop"]
    oid = "NG-SLOW-1"
    shop.add_order(oid)
    shop.slow.add(oid)  # the handler takes 1.5 s; nginx gives up after 1 s
    assert _gateway_sends(rig, oid, shop.md5_key) == 504
    line = _log_line(rig["log"], oid)
    assert " 504 " in line and line.split()[-1].startswith("1.")  # written by nginx, $request_time last
    r = _diagnose(cli, monkeypatch, rig, oid)
    c = {x["id"]: x for x in r["checks"]}
    assert r["causes"][0]["id"] == "payment.slow-processing", [(x["id"], x["status"], x["summary"]) for x in r["checks"]]
    assert c["payment.handling-time"]["evidence"]["gateway_gave_up"] == 1
    assert c["payment.callback-signature"]["status"] == "pass"  # verified from the log line's query string


def test_a_get_notify_signed_with_another_key_is_verified_from_the_log(cli, rig: dict[str, Any], monkeypatch) -> None:
    shop: OtherShop = rig["shop"]
    oid = "NG-BAD-1"
    shop.add_order(oid)
    assert _gateway_sends(rig, oid, "a-key-the-shop-does-not-have") == 200
    r = _diagnose(cli, monkeypatch, rig, oid)
    c = {x["id"]: x for x in r["checks"]}
    assert c["payment.callback-signature"]["status"] == "fail"
    assert c["payment.callback-signature"]["evidence"]["invalid"] == 1
    assert r["causes"][0]["id"] == "payment.signature-invalid"
