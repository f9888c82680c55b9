"""Each record shape against a real loopback shop that writes them its own way (tests/payment_records/othershop.py).

An admin API with its own field names, a JSON-lines request log, Alipay notifies signed with
python-alipay-sdk, WeChat Pay v3 notifies signed with wechatpayv3's helper: kmdiag maps, verifies
and names the cause through the CLI, as an agent would run it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from kmdiag.payment.providers import epay, wechatpay
from tests.payment_records.othershop import OtherShop, cn_time, rsa_pair


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OtherShop]:
    s = OtherShop(tmp_path_factory.mktemp("othershop"))
    yield s
    s.close()


def _profile(tmp: Path, shop: OtherShop, provider: str, sources: str) -> str:
    p = tmp / "othershop.yaml"
    p.write_text(f"""
name: othershop
base_url: {shop.base}/
payment:
  order_endpoint: /api/order?sn={{order_id}}
  order_fields: {{status: order.state, amount: order.money}}
  status_map: {{WAIT: unpaid, DONE: completed}}
  admin: {{token_env: OS_ADMIN, send_as: {{header: Authorization, template: "Bearer {{token}}"}}}}
  callback_log:
    sources:
{sources}
  provider: {provider}
""", encoding="utf-8")
    return str(p)


API_SOURCE = """      - name: admin-api
        api: /admin/notify-logs?order={order_id}
        records: rows
        fields: {time: created, url: uri, method: verb, status: code, form: body, reply: answer, duration: cost, reason: note}
        duration_unit: s
"""


def _run(cli: Any, monkeypatch: pytest.MonkeyPatch, shop: OtherShop, prof: str, oid: str, **env: str) -> tuple[int, dict]:
    monkeypatch.setenv("OS_ADMIN", shop.admin_token)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    code, out, err = cli("payment", oid, "--profile", prof, "--format", "json", "--timeout", "15")
    assert out, err
    return code, json.loads(out)


def _checks(report: dict) -> dict[str, dict]:
    return {c["id"]: c for c in report["checks"]}


def _epay(oid: str, key: str, money: str = "10") -> dict[str, str]:
    return epay.notify_params(pid="1001", trade_no="T" + oid, out_trade_no=oid, type="alipay", name="x", money=money, key=key)


EPAY = "{kind: epay, gateway: BASE/, merchant_id: '1001', md5_key_env: OS_MD5, notify_timeout_s: 5, retry_schedule_s: [0, 60, 180]}"


def test_admin_api_with_its_own_names_slow_get_notify(cli, shop: OtherShop, tmp_path: Path, monkeypatch) -> None:
    oid = "OS-SLOW-1"
    shop.add_order(oid)
    shop.add_row(oid, created=cn_time(time.time() - 50), verb="GET", code=200, answer="success", cost=6.2,
                 uri="/notify/epay?" + urlencode(_epay(oid, shop.md5_key)))
    prof = _profile(tmp_path, shop, EPAY.replace("BASE", shop.base), API_SOURCE)
    code, r = _run(cli, monkeypatch, shop, prof, oid, OS_MD5=shop.md5_key)
    c = _checks(r)
    assert code == 1 and r["causes"][0]["id"] == "payment.slow-processing", [(x["id"], x["status"]) for x in r["checks"]]
    assert c["payment.callback-signature"]["status"] == "pass"  # the GET query in `uri` was verified
    assert c["payment.handling-time"]["evidence"]["max_ms"] == 6200  # `cost` in seconds, mapped
    cb = c["payment.callbacks-received"]["evidence"]["callbacks"][0]
    assert cb["path"] == "/notify/epay" and cb["time"] is not None


def test_admin_api_post_form_with_the_wrong_key(cli, shop: OtherShop, tmp_path: Path, monkeypatch) -> None:
    oid = "OS-BAD-1"
    shop.add_order(oid)
    shop.add_row(oid, created=cn_time(time.time() - 40), verb="POST", code=200, answer="fail", cost=0.03,
                 uri="/notify/epay", body=urlencode(_epay(oid, "some-other-key")))
    prof = _profile(tmp_path, shop, EPAY.replace("BASE", shop.base), API_SOURCE)
    code, r = _run(cli, monkeypatch, shop, prof, oid, OS_MD5=shop.md5_key)
    c = _checks(r)
    assert code == 1 and r["causes"][0]["id"] == "payment.signature-invalid"
    assert c["payment.callback-signature"]["evidence"]["invalid"] == 1
    assert "MD5" in c["payment.callback-signature"]["summary"]


def test_gateway_giving_up_is_slow_processing(cli, shop: OtherShop, tmp_path: Path, monkeypatch) -> None:
    oid = "OS-499-1"
    shop.add_order(oid)
    for ago in (50, 35):
        shop.add_row(oid, created=cn_time(time.time() - ago), verb="GET", code=499, answer="", cost=5.0,
                     uri="/notify/epay?" + urlencode(_epay(oid, shop.md5_key)))
    prof = _profile(tmp_path, shop, EPAY.replace("BASE", shop.base), API_SOURCE)
    code, r = _run(cli, monkeypatch, shop, prof, oid, OS_MD5=shop.md5_key)
    assert r["causes"][0]["id"] == "payment.slow-processing"
    assert _checks(r)["payment.handling-time"]["evidence"]["gateway_gave_up"] == 2


def _alipay_notify(shop: OtherShop, oid: str) -> str:
    """A notify form body signed by python-alipay-sdk with "Alipay's" private key (the rule: no sign/sign_type)."""
    from alipay import AliPay

    sdk = AliPay(appid="2021000000000001", app_notify_url=None, app_private_key_string=shop.ali_priv,
                 alipay_public_key_string=shop.ali_pub, sign_type="RSA2")
    p = {"notify_time": cn_time(time.time()), "notify_type": "trade_status_sync", "notify_id": "ac05" + oid, "app_id": "2021000000000001",
         "charset": "utf-8", "version": "1.0", "trade_no": "2026" + oid, "out_trade_no": oid, "trade_status": "TRADE_SUCCESS",
         "total_amount": "10.00", "subject": "卡密"}
    sig = sdk._sign("&".join(f"{k}={v}" for k, v in sorted(p.items())))
    assert sdk.verify(dict(p, sign_type="RSA2"), sig)  # the SDK agrees the notify is Alipay's
    return urlencode(p | {"sign": sig, "sign_type": "RSA2"})


def _ali_provider(shop: OtherShop) -> str:
    return f"{{kind: alipay, gateway: {shop.base}/gateway.do, app_id: '2021000000000001', alipay_public_key_env: OS_ALI_PUB, private_key_env: OS_APP_PRIV, notify_timeout_s: 5}}"


def test_alipay_raw_form_body_refused_by_a_shop_with_the_wrong_key(cli, shop: OtherShop, tmp_path: Path, monkeypatch) -> None:
    oid = "AL-RAW-1"
    shop.add_order(oid)
    shop.add_row(oid, created=cn_time(time.time() - 30), verb="POST", code=200, answer="fail", cost=0.02,
                 uri="/notify/alipay", body=_alipay_notify(shop, oid), note="验签失败")
    prof = _profile(tmp_path, shop, _ali_provider(shop), API_SOURCE)
    code, r = _run(cli, monkeypatch, shop, prof, oid, OS_ALI_PUB=shop.ali_pub, OS_APP_PRIV=shop.app_priv)
    c = _checks(r)
    assert c["payment.provider-paid"]["status"] == "pass"
    assert c["payment.callback-signature"]["evidence"]["valid"] == 1  # the raw form body verified
    assert r["causes"][0]["id"] == "payment.signature-invalid"
    assert "wrong key" in r["causes"][0]["explanation"]


def test_alipay_answer_that_does_not_verify_names_the_wrong_public_key(cli, shop: OtherShop, tmp_path: Path, monkeypatch) -> None:
    oid = "AL-KEY-1"
    shop.add_order(oid)
    _, app_pub = rsa_pair()  # the app public key pasted where the Alipay public key belongs
    prof = _profile(tmp_path, shop, _ali_provider(shop), API_SOURCE)
    code, r = _run(cli, monkeypatch, shop, prof, oid, OS_ALI_PUB=app_pub, OS_APP_PRIV=shop.app_priv)
    c = _checks(r)
    assert c["payment.provider-answer"]["status"] == "fail"
    assert code == 1 and r["status"] == "problem" and r["causes"][0]["id"] == "payment.signature-invalid"
    assert "Alipay public key" in r["causes"][0]["explanation"]


JSONL = """      - name: request-log
        files: [LOG]
        format: jsonl
        fields: {time: '"@timestamp"', method: request.method, url: request.path, headers: request.headers,
                 raw_body: request.body, status: response.status, reply: response.body, duration: elapsed}
        duration_unit: s
"""


def _wechat_notify(shop: OtherShop, oid: str) -> None:
    """POST a v3 notify to the shop: resource sealed with the APIv3 key, signed with wechatpayv3's helper."""
    from wechatpayv3.utils import aes_decrypt, load_private_key, rsa_sign

    tx = {"mchid": "1900000109", "out_trade_no": oid, "transaction_id": "4200" + oid, "trade_state": "SUCCESS",
          "amount": {"total": 1000, "payer_total": 1000, "currency": "CNY"}}
    res = wechatpay.encrypt_resource(tx, shop.apiv3, "a1b2c3d4e5f6")
    assert json.loads(aes_decrypt(res["nonce"], res["ciphertext"], res["associated_data"], shop.apiv3))["out_trade_no"] == oid
    body = json.dumps({"id": "EV-2026" + str(abs(hash(oid)) % 10**12), "event_type": "TRANSACTION.SUCCESS", "resource_type": "encrypt-resource",
                       "summary": "支付成功", "resource": res}, separators=(",", ":"))
    ts, nonce = str(int(time.time())), "5K8264ILTKCH16CQ2502SI8ZNMTM67VS"
    sig = rsa_sign(load_private_key(shop.plat_priv), f"{ts}\n{nonce}\n{body}\n")
    r = httpx.post(shop.base + "/notify/wechat", content=body, timeout=5,
                   headers={"Content-Type": "application/json", "Wechatpay-Timestamp": ts, "Wechatpay-Nonce": nonce,
                            "Wechatpay-Signature": sig, "Wechatpay-Serial": "PUB_KEY_ID_01", "Wechatpay-Signature-Type": wechatpay.SIGN_TYPE})
    assert r.status_code == 500  # the shop, with its wrong APIv3 key, cannot open it


def _wx_provider() -> str:
    return "{kind: wechatpay, merchant_id: '1900000109', apiv3_key_env: OS_V3, platform_public_key_env: OS_PLAT, notify_timeout_s: 5}"


def test_wechat_v3_in_a_json_lines_log(cli, shop: OtherShop, tmp_path: Path, monkeypatch) -> None:
    oid = "WX-JL-1"
    shop.add_order(oid)
    _wechat_notify(shop, oid)
    _wechat_notify(shop, "WX-OTHER-9")  # another order's notify in the same log: not this order's
    prof = _profile(tmp_path, shop, _wx_provider(), JSONL.replace("LOG", str(shop.request_log)))
    # kmdiag has the right key: the notify verifies and opens, the shop refused it → the shop's key is wrong
    _, r = _run(cli, monkeypatch, shop, prof, oid, OS_V3=shop.apiv3, OS_PLAT=shop.plat_pub)
    c = _checks(r)
    sig = c["payment.callback-signature"]
    assert sig["status"] == "fail" and sig["evidence"]["valid"] == 1 and sig["evidence"]["decrypted"] == 1, sig
    assert "wrong APIv3 key" in sig["summary"]
    assert c["payment.callback-amount"]["status"] == "pass"  # 1000 fen from the decrypted resource = 10.00
    assert r["causes"][0]["id"] == "payment.signature-invalid"
    # kmdiag given the shop's (wrong) key: nothing opens — evidence of a wrong APIv3 key
    _, r = _run(cli, monkeypatch, shop, prof, oid, OS_V3=shop.shop_apiv3, OS_PLAT=shop.plat_pub)
    sig = _checks(r)["payment.callback-signature"]
    assert sig["status"] == "fail" and sig["evidence"]["undecryptable_in_logs"] >= 2
    assert "do not decrypt with the configured APIv3 key" in sig["summary"]
    assert r["causes"] and r["causes"][0]["id"] == "payment.signature-invalid"


def test_url_first_with_a_profile_path(cli, shop: OtherShop, tmp_path: Path, monkeypatch) -> None:
    oid = "OS-URL-1"
    shop.add_order(oid, state="DONE")
    shop.add_row(oid, created=cn_time(time.time() - 20), verb="GET", code=200, answer="success", cost=0.04,
                 uri="/notify/epay?" + urlencode(_epay(oid, shop.md5_key)))
    prof = _profile(tmp_path, shop, EPAY.replace("BASE", shop.base), API_SOURCE)
    monkeypatch.setenv("OS_ADMIN", shop.admin_token)
    monkeypatch.setenv("OS_MD5", shop.md5_key)
    code, out, err = cli("payment", shop.base + "/", oid, "--profile", prof, "--format", "json")
    r = json.loads(out)
    assert r["target"].startswith(shop.base) and r["causes"] == [] and code == 0, [(c["id"], c["status"], c["summary"]) for c in r["checks"]]
    code, _, err = cli("payment", oid, "--url", shop.base + "/", "--timeout", "5")  # no profile, nothing matches
    assert code == 2 and "--profile" in err and "Traceback" not in err


def test_detect_reads_the_platform_from_its_front_page() -> None:
    from kmdiag.demo.http import App, Response, Server
    from kmdiag.profile.detect import detect

    app = App()
    app.route("GET", "/")(lambda req: Response.html("<title>shop</title>", 200, {"Set-Cookie": "ACG-SHOP=abc; path=/"}))
    srv = Server(app)
    try:
        assert detect(f"http://127.0.0.1:{srv.port}/", 3)[0] == "acg-faka"
    finally:
        srv.close()


def test_a_db_export_in_csv(cli, shop: OtherShop, tmp_path: Path, monkeypatch) -> None:
    import csv

    oid = "OS-CSV-1"
    shop.add_order(oid)
    export = tmp_path / "pay_notify_log.csv"
    with open(export, "w", newline="", encoding="utf-8-sig") as fh:  # a spreadsheet-style export, BOM and all
        w = csv.writer(fh)
        w.writerow(["id", "order_sn", "created_at", "method", "request_body", "http_code", "response", "ms"])
        w.writerow([1, "OS-CSV-0", cn_time(time.time() - 90), "POST", "a=1", 200, "success", 12])
        w.writerow([2, oid, cn_time(time.time() - 30), "POST", urlencode(_epay(oid, "stale-key")), 200, "fail", 15])
    src = f"""      - name: db-export
        files: ["{export}"]
        format: csv
        fields: {{order_id: order_sn, time: created_at, method: method, form: request_body, status: http_code, reply: response, duration: ms}}
"""
    prof = _profile(tmp_path, shop, EPAY.replace("BASE", shop.base), src)
    code, r = _run(cli, monkeypatch, shop, prof, oid, OS_MD5=shop.md5_key)
    c = _checks(r)
    assert c["payment.callbacks-received"]["evidence"]["count"] == 1  # only this order's row
    assert c["payment.callback-signature"]["evidence"]["invalid"] == 1
    assert r["causes"][0]["id"] == "payment.signature-invalid"
