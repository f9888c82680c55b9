"""Pages that build the order button by script after ``load`` (acg-faka: item.js injected, then two POSTs,
then a fade-in; 0.2–0.9 s idle, later under load): the probe waits for the selector or the settled page,
event-driven, and reaches the same verdict idle and loaded. Sold out and captcha-on pages of the same
kind: ``platform.sold-out`` (never a front-end fault) and no cause at all (``--smoke`` exits 0)."""

from __future__ import annotations

import asyncio
import json
import random
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from kmdiag.demo.dns_stub import Answer, DnsStub
from kmdiag.probes import ProbeContext
from kmdiag.probes.browser import page_probe
from kmdiag.profile.schema import Order, Profile
from tests.browser.counting import counting, cpu_load

pytestmark = pytest.mark.browser

ITEM = """<!doctype html><html><head><meta charset="utf-8"></head><body>
<div class="item-box"><h1>点卡 100 元</h1><input name="contact">{captcha}
<div class="stock-state"></div><div class="msg"></div>
<div class="cash-pay" style="display:none"><div class="pay-list"></div></div></div>
<script>window.ITEM = {item}; addEventListener('load', () => {{
  const s = document.createElement('script'); s.src = '/item.js'; document.body.appendChild(s); }});</script>
</body></html>"""
CAPTCHA = '<input name="captcha" placeholder="验证码"><img class="captcha-img" src="/user/captcha/image?action=trade" width="80" height="30">'
ITEM_JS = """
const post = (u) => fetch(u + '?itemId=' + window.ITEM, {method: 'POST'}).then(r => r.json());
post('/user/api/index/pay').then(pays => post('/user/api/index/stock').then(st => {
  if (st.data.stock <= 0) { document.querySelector('.stock-state').innerHTML = '<span class="badge">已售罄</span>'; return; }
  const list = document.querySelector('.pay-list');
  pays.data.forEach(p => { const a = document.createElement('a'); a.className = 'pay'; a.dataset.id = p.id;
    a.innerHTML = '<span>' + p.name + '</span>'; a.style.cssText = 'display:inline-block;padding:8px;margin:4px;background:#eee';
    a.onclick = () => fetch('/user/api/order/trade', {method: 'POST', body: 'pay_id=' + p.id}).then(r => r.json())
      .then(j => { document.querySelector('.msg').textContent = j.msg; })
      .catch(() => { document.querySelector('.msg').textContent = '网络错误'; });
    list.appendChild(a); });
  const cp = document.querySelector('.cash-pay'); cp.style.opacity = '0'; cp.style.display = 'block';
  let o = 0; const step = () => { o += 0.1; cp.style.opacity = String(o); if (o < 1) setTimeout(step, 25); }; step();
}));
"""


def _slow_json(data: Any) -> Any:
    def answer(h: Any) -> tuple[int, str, str]:
        time.sleep(random.uniform(0.1, 0.8))  # a busy PHP backend: each of the two calls takes its time
        item = (parse_qs(urlsplit(h.path).query).get("itemId") or ["1"])[0]
        body = data(item) if callable(data) else data
        return 200, json.dumps(body, ensure_ascii=False), "application/json"
    return answer


PAGES: dict[str, Any] = {
    "/": "<p>home</p>",
    "/item/1": ITEM.format(item=1, captcha=""),
    "/item/2": ITEM.format(item=2, captcha=""),
    "/item/3": ITEM.format(item=3, captcha=CAPTCHA),
    "/item/4": ITEM.format(item=4, captcha=""),
    "/item.js": ITEM_JS,
    # acg-faka refuses inside HTTP 200: the stock call said 9, the order API says 库存不足 (sold meanwhile)
    "/user/api/order/trade": lambda h: (200, json.dumps({"code": 0, "msg": "库存不足"}, ensure_ascii=False),
                                         "application/json"),
    "/user/api/index/pay": _slow_json({"code": 200, "data": [{"id": 1, "name": "支付宝"}, {"id": 2, "name": "微信支付"}]}),
    "/user/api/index/stock": _slow_json(lambda item: {"code": 200, "data": {"stock": 0 if item == "2" else 9}}),
}


def _order(**kw: Any) -> Order:
    base: dict[str, Any] = {"product_url": "/item/1", "button": ".pay-list a.pay[data-id]",
                            "fill": {"input[name=contact]": "13800138000"}, "order_request": "POST /user/api/order/trade",
                            "read_requests": ["POST /user/api/index/*"], "captcha": "input[name=captcha]", "feedback_ms": 600}
    return Order(**(base | kw))


def _probe(base: str) -> dict[str, Any]:
    prof = Profile(name="t", base_url=base + "/", order=_order())
    ctx = ProbeContext(profile=prof, options={"browser_lockdown": True}, deadline=time.monotonic() + 25)
    return asyncio.run(page_probe(ctx))


def test_the_button_built_after_two_slow_xhrs_is_found_idle_and_loaded() -> None:
    with counting(PAGES) as (shop, _):
        results = [_probe(shop.base) for _ in range(2)]
        with cpu_load(2, 60):
            results += [_probe(shop.base) for _ in range(2)]
        time.sleep(0.3)
        assert "/user/api/order/trade" not in shop.paths()  # stopped every time
    for d in results:
        assert d["wait"]["why"] == "selector" and d["wait"]["found"], d["wait"]
        assert d["button"]["found_by"] == "profile" and d["button"]["text"] == "支付宝"
        assert d["click"]["attempted"], d["click"]
        assert any(o["phase"] == "click" and o["intercepted"] for o in d["order_requests"])


def _profile_file(tmp_path: Path, base: str, dns: str, product: str) -> str:
    doc = {"name": "scripted", "base_url": base + "/",
           "network": {"system_resolver": dns, "trusted_resolvers": [dns]},
           "api": {"code": "code", "success_codes": [200], "message": "msg"},
           "order": _order().model_dump(exclude={"product_url"}) | {"product_url": product}}
    path = tmp_path / f"p{product.rsplit('/', 1)[-1]}.yaml"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return str(path)


@pytest.fixture(scope="module")
def shop_and_dns() -> Any:
    dns = DnsStub({}, wildcard=Answer(a=["127.0.0.1"]))
    with counting(PAGES) as (shop, _):
        yield shop, dns.address
    dns.close()


def test_sold_out_is_a_platform_cause_not_a_missing_button(cli, tmp_path: Path, shop_and_dns: Any) -> None:
    shop, dns = shop_and_dns
    code, out, err = cli("order", "--profile", _profile_file(tmp_path, shop.base, dns, "/item/2"), "--only", "browser",
                         "--format", "json", "--lang", "zh")
    report = json.loads(out)
    assert code == 1, err
    assert report["causes"][0]["id"] == "platform.sold-out", [c["id"] for c in report["causes"]]
    assert "已售罄" in report["causes"][0]["explanation"]
    audiences = {s["audience"] for s in report["causes"][0]["next_steps"]}
    assert {"user", "operator"} <= audiences
    assert not [c for c in report["causes"] if c["id"].startswith("frontend.")]  # never the theme


def test_captcha_on_page_is_healthy_and_smoke_passes(cli, tmp_path: Path, shop_and_dns: Any) -> None:
    shop, dns = shop_and_dns
    code, out, err = cli("order", "--profile", _profile_file(tmp_path, shop.base, dns, "/item/3"), "--only", "browser",
                         "--smoke", "--format", "json", "--lang", "en")
    report = json.loads(out)
    checks = {c["id"]: c for c in report["checks"]}
    assert code == 0, (err, [(c["id"], c["status"], c["summary"]) for c in report["checks"]])
    assert report["causes"] == []
    assert checks["browser.captcha"]["status"] == "warn" and "not attempted" in checks["browser.captcha"]["summary"]
    assert checks["browser.click-sends-order"]["status"] == "skip"


def test_a_refusal_inside_http_200_is_read_with_the_shops_words(cli, tmp_path: Path, shop_and_dns: Any) -> None:
    """--submit: the order really goes out, the shop answers 200 {"code":0,"msg":"库存不足"}: sold out, quoted."""
    shop, dns = shop_and_dns
    code, out, err = cli("order", "--profile", _profile_file(tmp_path, shop.base, dns, "/item/4"), "--only", "browser",
                         "--submit", "--format", "json", "--lang", "en")
    report = json.loads(out)
    checks = {c["id"]: c for c in report["checks"]}
    assert code == 1, err
    assert report["causes"][0]["id"] == "platform.sold-out", [c["id"] for c in report["causes"]]
    assert "「库存不足」" in report["causes"][0]["explanation"]
    assert checks["browser.error-feedback"]["status"] == "pass"  # the page showed the message
    assert "「库存不足」" in checks["browser.error-feedback"]["summary"]
    assert "/user/api/order/trade" in shop.paths("POST")  # asked for with --submit, so really sent


def test_a_button_built_from_a_held_back_post_says_so() -> None:
    """Without the read allow-list the guard stops the page's POSTs (default deny); the finding says it."""
    from kmdiag import plugins, registry
    from kmdiag.models import Measurement
    from kmdiag.runner import run_checks

    with counting(PAGES) as (shop, _):
        prof = Profile(name="t", base_url=shop.base + "/", order=_order(read_requests=[], button_wait_ms=3000))
        ctx = ProbeContext(profile=prof, options={"browser_lockdown": True}, deadline=time.monotonic() + 25)
        data = asyncio.run(page_probe(ctx))
        time.sleep(0.2)
        assert shop.writes() == []
    assert not data["button"]["found"]
    plugins.load_builtins()
    checks = [c for c in registry.CHECKS.values() if c.layer == "browser"]
    f = {x.id: x for x in run_checks(checks, {"browser.page": Measurement("browser.page", data)}, prof, {})}
    found = f["browser.button-found"]
    assert found.status == "fail" and "order.read_requests" in found.summary.en
    assert found.evidence["stopped_page_writes"][0]["url"].endswith("/user/api/index/pay")
