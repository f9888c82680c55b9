"""End to end through the CLI: each account fault of the demo shop is diagnosed as its own cause.

The demo signs the run in by itself and hands over its real session token through KMDIAG_TOKEN,
so these runs need no option beyond --demo and --fault.
"""

from __future__ import annotations

import json
import shutil

import pytest

ACCOUNT_FAULTS = {
    "not-logged-in": "account.not-logged-in",
    "remote-login": "account.remote-login",
    "identity-unverified": "account.identity-unverified",
    "risk-blocked": "account.risk-blocked",
}


@pytest.mark.parametrize("fault", sorted(ACCOUNT_FAULTS))
def test_fault_is_top_cause(cli, fault: str) -> None:
    code, out, err = cli("order", "--demo", "--fault", fault, "--only", "network,platform,account", "--format", "json")
    report = json.loads(out)
    assert report["causes"], report
    assert report["causes"][0]["id"] == ACCOUNT_FAULTS[fault], [c["id"] for c in report["causes"]]
    assert code == 1, err


def test_fault_registered_with_expected_cause() -> None:
    from kmdiag.demo.faults import for_command
    from kmdiag.demo.runtime import known_faults

    assert set(ACCOUNT_FAULTS) <= set(known_faults("order"))
    for name, cause in ACCOUNT_FAULTS.items():
        assert for_command("order")[name].expect == cause


def test_healthy_demo_account_passes(cli) -> None:
    code, out, _ = cli("order", "--demo", "--only", "account", "--format", "json")
    report = json.loads(out)
    by_id = {c["id"]: c["status"] for c in report["checks"]}
    assert by_id["account.logged-in"] == "pass"
    assert by_id["account.risk"] == "pass"
    assert by_id["account.identity-verified"] == "pass"
    assert by_id["account.login-region"] == "pass"
    assert not [c for c in report["causes"] if c["id"].startswith("account.")]


def test_risk_blocked_order_api_really_refuses() -> None:
    """The fault is real behaviour: the order API itself refuses the blocked account (HTTP 200 + code)."""
    import http.client
    import ssl

    from kmdiag.demo.runtime import DemoShop

    demo = DemoShop(["risk-blocked"]).start()
    try:
        token = demo.secrets["KMDIAG_TOKEN"]
        tls = ssl.create_default_context(cafile=demo.vars["ca_bundle"])
        conn = http.client.HTTPSConnection("127.0.0.1", demo.shop.port, context=tls, timeout=5)
        body = json.dumps({"product_id": 1, "contact": "13800138000"})
        conn.request("POST", "/api/orders", body, {"Content-Type": "application/json", "Cookie": f"km_session={token}"})
        r = conn.getresponse()
        answer = json.loads(r.read())
        assert r.status == 200 and answer["code"] == 1003
        conn.request("GET", "/api/user/me", headers={"Authorization": f"Bearer {token}"})
        me = json.loads(conn.getresponse().read())
        assert me["data"]["can_order"] is False and me["data"]["risk_level"] >= 3
    finally:
        demo.stop()


def _chromium_available() -> bool:
    try:
        import playwright  # noqa: F401
    except ImportError:
        return False
    return any(shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")) or bool(
        __import__("os").environ.get("KMDIAG_BROWSER"))


@pytest.mark.browser
@pytest.mark.parametrize("fault", sorted(ACCOUNT_FAULTS))
def test_fault_is_top_cause_with_all_layers(demo_fault_runs, fault: str) -> None:
    """With the browser layer too: a silently disabled button is the account's doing, not the page's.

    The run is the session's shared full ``kmdiag order --demo --fault F --format json`` run
    (tests/conftest.py ``demo_fault_runs``), not a second diagnosis of the same fault."""
    if not _chromium_available():
        pytest.skip("Chromium is not installed")
    run = demo_fault_runs[("order", fault)]
    code, report, err = run.code, run.json(), run.err
    assert report["causes"] and report["causes"][0]["id"] == ACCOUNT_FAULTS[fault], [
        (c["id"], c.get("explained_by")) for c in report["causes"]]
    assert code == 1, err
    for c in report["causes"][1:]:
        if c["id"].startswith(("frontend.", "client.")):
            assert c.get("explained_by"), c
