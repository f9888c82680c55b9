"""Every request kmdiag sends names kmdiag and its version in its User-Agent — the probes' httpx and
httpcore clients, the account check, the payment reads and the browser (Chromium's own UA with kmdiag
appended) — so that a shop's logs, and kmdiag reading them, can tell kmdiag's requests apart."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kmdiag import __version__
from kmdiag.demo.dns_stub import Answer, DnsStub
from kmdiag.useragent import USER_AGENT, browser_user_agent, is_kmdiag
from tests.browser.counting import counting

pytestmark = pytest.mark.browser

PAGES = {
    "/": "<p>home</p>",
    "/item/1": "<input name=contact><button id=buy>立即购买</button><script>fetch('/api/stock').catch(()=>{})</script>",
    "/api/stock": lambda h: (200, '{"code":200}', "application/json"),
    "/api/me": lambda h: (200, '{"code":200,"msg":"ok"}', "application/json"),
    "/api/orders/KM1": lambda h: (200, '{"data":{"status":"unpaid","amount":"1.00"}}', "application/json"),
    "/admin/notifies/KM1": lambda h: (200, '{"data":[]}', "application/json"),
    "/api.php": lambda h: (200, '{"code":1,"status":"0","money":"1.00"}', "application/json"),
}


def _profile(tmp_path: Path, shop: str, gateway: str, dns: str) -> str:
    doc = {
        "name": "ua", "base_url": shop + "/",
        "network": {"system_resolver": dns, "trusted_resolvers": [dns], "latency_samples": 1},
        "platform": {"health_path": None},
        "order": {"product_url": "/item/1", "button": "#buy", "order_request": "POST /api/order", "feedback_ms": 300},
        "account": {"token_env": "KMDIAG_UA_TOKEN", "endpoint": "/api/me", "fields": {"logged_in": "code == `200`"}},
        "payment": {
            "order_endpoint": "/api/orders/{order_id}", "order_fields": {"status": "data.status", "amount": "data.amount"},
            "notify_url": shop + "/pay/notify", "callback_log": {"endpoint": "/admin/notifies/{order_id}"},
            "provider": {"kind": "epay", "gateway": gateway + "/", "merchant_id": "1001", "key_env": "KMDIAG_UA_KEY"},
        },
    }
    path = tmp_path / "ua.yaml"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return str(path)


def test_the_user_agent_is_defined_once_and_names_the_version() -> None:
    assert USER_AGENT.startswith(f"kmdiag/{__version__} ")
    ua = browser_user_agent("Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/156.0 Safari/537.36")
    assert ua.startswith("Mozilla/5.0") and ua.endswith(f"kmdiag/{__version__}")
    assert browser_user_agent(ua) == ua and is_kmdiag(ua) and not is_kmdiag("Mozilla/5.0 Chrome/1")


def test_every_request_of_order_and_payment_carries_it(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KMDIAG_UA_TOKEN", "tok-ua-123456")
    monkeypatch.setenv("KMDIAG_UA_KEY", "key-ua-123456")
    dns = DnsStub({}, wildcard=Answer(a=["127.0.0.1"]))
    try:
        with counting(PAGES) as (shop, gateway):
            gateway.pages.update(PAGES)
            prof = _profile(tmp_path, shop.base, gateway.base, dns.address)
            code, out, err = cli("order", "--profile", prof, "--format", "json", "--timeout", "25")
            assert code in (0, 1, 3), err
            report = json.loads(out)
            code, out, err = cli("payment", "KM1", "--profile", prof, "--probe-notify", "--format", "json")
            assert code in (0, 1, 3), err
    finally:
        dns.close()
    hits = shop.hits + gateway.hits
    paths = {h.path for h in hits}
    assert {"/item/1", "/api/stock", "/api/me", "/api/orders/KM1", "/admin/notifies/KM1", "/pay/notify"} <= paths, paths
    assert "/api.php" in {h.path for h in hits}  # the provider's order query (wherever the profile points it)
    bad = [(h.method, h.path, h.user_agent) for h in hits if f"kmdiag/{__version__}" not in h.user_agent]
    assert not bad, bad
    browser = [h for h in shop.hits if h.path == "/item/1" and "Mozilla/5.0" in h.user_agent]
    assert browser, "the browser keeps Chromium's own UA and appends kmdiag's"
    assert report["checks"]
