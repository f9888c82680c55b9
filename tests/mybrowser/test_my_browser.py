"""``kmdiag order --my-browser`` end to end on real Chromium, with profiles built by really browsing
a loopback shop: a stale cached app.js, a service worker's old shell, an extension that blocks the
order request, a cookie that breaks the page — each diagnosed — and a clean profile with no cause.
The canary values planted in the profiles never appear in any output, and the copy is gone."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import run_cli
from tests.mybrowser.profiles import CHROMIUM, build
from tests.mybrowser.shop import serve

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Debian's /usr/bin/chromium")]

CANARIES = ("KMCANARY-OTHER-COOKIE-1", "KMCANARY-OTHER-STORAGE-2", "KMCANARY-SHOP-COOKIE-3", "KMCANARY-SHOP-STORE-4",
            "bank.kmdiag.test")
EXTENSION = {"manifest_version": 3, "name": "Coupon Helper", "version": "1.0",
             "permissions": ["declarativeNetRequest"], "host_permissions": ["<all_urls>"],
             "declarative_net_request": {"rule_resources": [{"id": "r", "enabled": True, "path": "rules.json"}]}}
RULES = [{"id": 1, "priority": 1, "action": {"type": "block"},
          "condition": {"urlFilter": "/api/order", "resourceTypes": ["xmlhttprequest"]}}]


def diagnose(shop_url: str, udd: Path, *extra: str) -> tuple[int, dict[str, Any], str]:
    code, out, err = run_cli("order", shop_url, "--my-browser", "chromium", "--my-browser-profile", str(udd), "--yes",
                             "--format", "json", "--only", "browser", *extra)
    return code, json.loads(out), err


def checks(report: dict[str, Any]) -> dict[str, str]:
    return {c["id"]: c["status"] for c in report["checks"]}


@pytest.fixture(scope="module")
def stale(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Path]]:
    with serve() as shop:
        udd = build(tmp_path_factory.mktemp("stale") / "udd", [shop.url])  # app.js release 1, max-age one year
        shop.release = 2  # the shop deploys a new app.js under the same name
        yield shop, udd


def test_stale_cached_script_is_named(stale: tuple[Any, Path]) -> None:
    shop, udd = stale
    code, report, err = diagnose(shop.url, udd)
    assert code == 1, err
    assert [c["id"] for c in report["causes"]] == ["client.stale-cache"]
    st = checks(report)
    assert st["browser.click-sends-order"] == "pass"  # the clean browser orders
    assert st["browser.own-compare"] == "fail" and st["browser.own-stale-cache"] == "fail"
    ev = next(c for c in report["checks"] if c["id"] == "browser.own-stale-cache")["evidence"]
    row = ev["stale"][0]
    assert row["url"].endswith("/static/app.js") and row["from_disk_cache"]
    assert row["etag"] != row["fresh"]["etag"] and row["served_sha256"] != row["fresh"]["sha256"]
    assert not [p for p in shop.posts if p["path"] != "/api/order"]
    assert "app.js" in report["causes"][0]["explanation"]


def test_service_worker_old_shell(tmp_path: Path) -> None:
    with serve(sw=True, hashed=True) as shop:
        udd = build(tmp_path / "udd", [shop.url, shop.url], settle=0.6)  # installed, then controlling
        shop.release = 2  # the old shell's app.1.js is gone
        code, report, err = diagnose(shop.url, udd)
    assert code == 1, err
    assert report["causes"][0]["id"] == "client.service-worker"
    ev = next(c for c in report["checks"] if c["id"] == "browser.own-service-worker")["evidence"]
    assert ev["service_worker"].endswith("/sw.js")
    assert any(a["type"] == "document" and a["from_service_worker"] for a in ev["served_by_worker"])


def test_blocking_extension_is_named(tmp_path: Path) -> None:
    ext = tmp_path / "coupon-helper"
    ext.mkdir()
    (ext / "manifest.json").write_text(json.dumps(EXTENSION))
    (ext / "rules.json").write_text(json.dumps(RULES))
    # A second, harmless extension that also acts on every page (and also blocks requests — just not
    # the shop's): each is tried alone, and only the one that breaks ordering is named.
    calm = tmp_path / "dark-mode"
    calm.mkdir()
    (calm / "manifest.json").write_text(json.dumps({**EXTENSION, "name": "Dark Mode Lite"}))
    (calm / "rules.json").write_text(json.dumps([{**RULES[0], "condition": {"urlFilter": "/ads/", "resourceTypes": ["script"]}}]))
    with serve() as shop:
        shop.release = 2
        udd = build(tmp_path / "udd", [shop.url], extension=[ext, calm])
        code, report, err = diagnose(shop.url, udd)
    assert code == 1, err
    cause = report["causes"][0]
    assert cause["id"] == "client.extension-interference"
    assert "Coupon Helper" in cause["explanation"]
    assert any("Coupon Helper" in s["text"] for s in cause["next_steps"] if s["audience"] == "user")
    assert "Dark Mode Lite" not in cause["explanation"]


@pytest.fixture(scope="module")
def broken_cookie(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Path]]:
    with serve() as shop, serve() as other:
        shop.release = 2
        month = time.time() + 30 * 86400  # persistent cookies: a browser drops session cookies when it restarts
        cookies = [{"name": "km_cart", "value": CANARIES[2], "url": shop.origin, "expires": month},
                   {"name": "sid", "value": CANARIES[0], "domain": "bank.kmdiag.test", "path": "/", "expires": month}]
        storage = {shop.origin: {"last_cart": CANARIES[3]},
                   other.origin.replace("127.0.0.1", "localhost"): {"token": CANARIES[1]}}
        udd = build(tmp_path_factory.mktemp("cookie") / "udd", [shop.url], cookies=cookies, storage=storage)
        yield shop, udd


def test_cookie_that_breaks_the_page(broken_cookie: tuple[Any, Path], tmp_path: Path) -> None:
    shop, udd = broken_cookie
    before = set(os.listdir(tempfile.gettempdir()))
    ev = tmp_path / "ev"
    # One run, every renderer: the text report on stdout, markdown + HTML + JSON in the evidence bundle.
    code, text, err = run_cli("order", shop.url, "--my-browser", "--my-browser-profile", str(udd), "--yes",
                              "--only", "browser", "--lang", "zh", "--evidence", str(ev))
    assert code == 1, err
    report = json.loads((ev / "report.json").read_text(encoding="utf-8"))
    assert report["causes"][0]["id"] == "client.site-data"
    assert "km_cart" in report["causes"][0]["explanation"]
    # The canaries: no value of the shop's cookies/storage and nothing of other sites, in any output.
    outputs = [text, err] + [p.read_bytes().decode("utf-8", "replace") for p in ev.rglob("*") if p.is_file()]
    assert len(outputs) >= 5
    for canary in CANARIES:
        assert not any(canary in o for o in outputs), canary
    assert not any("KMCANARY" in o for o in outputs)
    left = {n for n in set(os.listdir(tempfile.gettempdir())) - before if n.startswith("kmdiag-mybrowser-")}
    assert not left  # the copy is deleted


def test_clean_profile_names_no_cause(stale: tuple[Any, Path], tmp_path: Path) -> None:
    shop, _ = stale
    udd = build(tmp_path / "udd", [shop.url])  # browsed after the deploy: nothing old in it
    code, report, err = diagnose(shop.url, udd)
    assert code == 0, (err, report["causes"])
    assert report["causes"] == []
    assert checks(report)["browser.own-compare"] == "pass"


def test_consent_is_required_without_a_terminal(stale: tuple[Any, Path]) -> None:
    shop, udd = stale
    code, out, err = run_cli("order", shop.url, "--my-browser", "--my-browser-profile", str(udd), "--only", "browser")
    assert code == 2 and "--yes" in err and out == ""
    assert "Never read: passwords" in err


def test_unreadable_profile_falls_back_to_the_clean_check(stale: tuple[Any, Path], tmp_path: Path) -> None:
    shop, _ = stale
    (tmp_path / "udd" / "Default").mkdir(parents=True)  # a profile dir without its files
    code, report, err = diagnose(shop.url, tmp_path / "udd")
    own = next(c for c in report["checks"] if c["id"] == "browser.own-profile")
    assert own["status"] == "warn" and "private" in own["summary"]
    st = checks(report)
    assert st["browser.click-sends-order"] == "pass" and st["browser.own-compare"] == "skip"
    # The clean check's diagnosis by elimination, with the manual steps.
    assert code == 1 and report["causes"][0]["id"] == "client.browser-state", err
    assert any("private" in s["text"] for s in report["causes"][0]["next_steps"])


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_copy_is_removed_when_interrupted(stale: tuple[Any, Path], sig: signal.Signals) -> None:
    shop, udd = stale
    # A short TMPDIR of its own: Chromium puts its SingletonSocket under TMPDIR, and a unix socket path
    # may not exceed 107 bytes (pytest-xdist's tmp_path, .../popen-gw0/test_copy_is_removed_when_inte0/
    # org.chromium.Chromium.XXXXXX/SingletonSocket, does: Chromium then dies at launch).
    tmp_path = Path(tempfile.mkdtemp(prefix="kmt-", dir="/tmp"))
    try:
        _interrupt(shop, udd, tmp_path, sig)
    finally:
        shutil.rmtree(tmp_path, ignore_errors=True)


def _interrupt(shop: Any, udd: Path, tmp_path: Path, sig: signal.Signals) -> None:
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    proc = subprocess.Popen([sys.executable, "-m", "kmdiag", "order", shop.url, "--my-browser", "chromium",
                             "--my-browser-profile", str(udd), "--yes", "--only", "browser", "--format", "json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline and not list(tmp_path.glob("kmdiag-mybrowser-*")):
        time.sleep(0.05)
    assert list(tmp_path.glob("kmdiag-mybrowser-*")), "the copy was never made"
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=30)
    end = time.monotonic() + 10  # after SIGTERM a detached remover outlasts the dying browser's last writes
    while time.monotonic() < end and list(tmp_path.glob("kmdiag-mybrowser-*")):
        time.sleep(0.1)
    assert not list(tmp_path.glob("kmdiag-mybrowser-*")), err.decode()[-500:]
    assert b"Traceback" not in err
    if sig == signal.SIGINT:
        assert proc.returncode == 130
