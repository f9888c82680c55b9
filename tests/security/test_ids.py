"""Order ids are data, never URL syntax: hostile ids are refused (exit 2) and nothing leaves the order's path."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

import httpx
import pytest

from kmdiag.ids import InvalidOrderId, check_order_id, fill
from tests.security.capture import Capture, profile_yaml

HOSTILE = [
    "../../../admin/api/users/1/delete", "KM1?status=paid&x=", "KM1#frag", "K" * 10_000, "KM1\x00", "KM1\r\nX-Evil: 1",
    "KM1\x1b[31m", "ＫＭ１", "KM1\u202e", "订单1", "..", ".", "KM1/..", "%2e%2e", "KM 1", "", "-rf", "KM1;rm",
    "http://evil.example/x", "KM1@evil", "\ud800",
]
ODD_BUT_VALID = ["KM-2026.11:25_0001", "20261125000001", "a" * 128]


@pytest.fixture(scope="module")
def capture() -> Iterator[Capture]:
    c = Capture().start()
    yield c
    c.close()


@pytest.fixture
def profile(capture: Capture, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("KMDIAG_CAPTURE_ADMIN", "adm-token-123456")
    monkeypatch.setenv("KMDIAG_CAPTURE_KEY", "merchant-key-123456")
    p = tmp_path / "capture.yaml"
    p.write_text(profile_yaml(capture.base))
    capture.requests.clear()
    return str(p)


@pytest.mark.parametrize("bad", HOSTILE, ids=lambda s: repr(s[:30]))
def test_validator_refuses_hostile_ids(bad: str) -> None:
    with pytest.raises(InvalidOrderId) as e:
        check_order_id(bad)
    msg = str(e.value)
    assert "\n" not in msg and "\r" not in msg and "\x1b" not in msg and len(msg) < 300
    assert "allowed" in msg


@pytest.mark.parametrize("good", ODD_BUT_VALID)
def test_validator_keeps_real_order_numbers(good: str) -> None:
    assert check_order_id(good) == good


@pytest.mark.parametrize("bad", HOSTILE[:8], ids=lambda s: repr(s[:30]))
def test_fill_keeps_any_text_inside_its_segment(bad: str) -> None:
    """Even past the validator, a value can never add a path segment, a query or a fragment."""
    u = httpx.URL(fill("http://127.0.0.1/api/orders/{order_id}/notifies", order_id=bad))
    assert u.query == b"" and u.fragment == "" and u.host == "127.0.0.1"
    seg = u.raw_path.decode().split("/")
    assert seg[:3] == ["", "api", "orders"] and seg[4:] == ["notifies"] and unquote(seg[3]) == bad


@pytest.mark.parametrize("bad", [h for h in HOSTILE if "\x00" not in h and "\ud800" not in h], ids=lambda s: repr(s[:30]))
@pytest.mark.parametrize("mode", ["diagnose", "renotify"])
def test_cli_refuses_hostile_id_and_sends_nothing(cli, profile: str, capture: Capture, bad: str, mode: str) -> None:
    extra = ["--renotify", "--yes"] if mode == "renotify" else []
    code, out, err = cli("payment", "--profile", profile, "--format", "json", *extra, "--", bad)
    assert code == 2, (code, err)
    assert "Traceback" not in err
    line = next(x for x in err.splitlines() if x.startswith("kmdiag: error:"))
    if bad.startswith("http://"):  # taken as the shop's URL (kmdiag payment URL): no order id at all, still exit 2
        assert "ORDER_ID" in line
    else:
        assert line.startswith("kmdiag: error: ORDER_ID:") and line.count("allowed") == 1
    assert capture.requests == []


def _on_order_path(target: str, oid: str) -> bool:
    parts = urlsplit(target)
    if target == "/":  # the notify endpoint's read-only check: a GET of the origin root, no id in it
        return True
    enc = fill("{x}", x=oid)
    if parts.path.endswith("/api.php"):  # the provider's query: the id is a query *value*
        return parts.query.count("out_trade_no=" + enc) == 1
    if parts.path == f"/notify/{enc}":  # the notify URL: a callback's (or probe's) fields are its query
        return "#" not in target
    return parts.query == "" and parts.path in (f"/api/orders/{enc}", f"/api/orders/{enc}/notifies",
                                                f"/api/orders/{enc}/repair")


@pytest.mark.parametrize("oid", ODD_BUT_VALID[:1])
def test_every_request_stays_on_the_orders_path(cli, profile: str, capture: Capture, oid: str) -> None:
    code, out, err = cli("payment", oid, "--profile", profile, "--format", "json", "--timeout", "10")
    assert code in (0, 1), err
    assert json.loads(out)["status"] in ("ok", "problem")
    code2, out2, err2 = cli("payment", oid, "--profile", profile, "--format", "json", "--renotify", "--yes")
    assert code2 in (0, 1), err2
    assert json.loads(out2)["result"]["sent"] is True
    assert capture.requests and all(_on_order_path(t, oid) for _m, t in capture.requests), capture.requests
    assert any(m == "GET" and t.startswith("/notify/") for m, t in capture.requests)  # the re-notify was sent


def test_renotify_api_refuses_hostile_id(profile: str, capture: Capture) -> None:
    from kmdiag.payment.renotify import renotify
    from kmdiag.profile.loader import load_profile

    with pytest.raises(InvalidOrderId):
        renotify(load_profile(profile), {"KMDIAG_CAPTURE_KEY": "merchant-key-123456"}, "../../admin/x")
    assert capture.requests == []


def test_sweep_skips_hostile_lines(cli, profile: str, capture: Capture, tmp_path: Path) -> None:
    f = tmp_path / "orders.txt"
    f.write_text("\n".join(["KM0001", "../../../admin/api/users/1/delete", "KM1?status=paid&x=", "KM1#frag",
                            "K" * 10_000]) + "\n")
    code, out, err = cli("payment", "--sweep", "--orders-file", str(f), "--profile", profile, "--format", "json")
    assert "Traceback" not in err
    assert capture.requests and all(_on_order_path(t, "KM0001") for _m, t in capture.requests), capture.requests
