"""TCP, TLS, HTTP, latency, captive-portal and proxy checks on literal measurements."""

from __future__ import annotations

from kmdiag.models import Status
from tests.network.helpers import profile, run_check, tls_target


def _tcp(*targets: tuple[str, bool, str | None]) -> dict:
    return {"network.tcp": {"targets": [{"host": "shop.test", "address": a, "port": 443, "source": "system", "ok": ok,
                                         "ms": 5.0, "error_kind": k, "family": "ipv6" if ":" in a else "ipv4"}
                                        for a, ok, k in targets]}}


def test_tcp_all_refused_fails_with_kind() -> None:
    st, ev, _ = run_check("network.tcp-connect", _tcp(("127.0.0.5", False, "refused")))
    assert st == Status.FAIL and ev["error_kind"] == "refused" and ev["unreachable_hosts"] == ["shop.test"]


def test_tcp_only_ipv6_broken_is_a_warning() -> None:
    st, _, _ = run_check("network.tcp-connect", _tcp(("127.0.0.1", True, None), ("::1", False, "refused")))
    assert st == Status.WARN


def test_tcp_nothing_to_connect_is_skip() -> None:
    st, _, _ = run_check("network.tcp-connect", {"network.tcp": {"targets": []}})
    assert st == Status.SKIP


def test_tls_untrusted_issuer_fails_as_certificate() -> None:
    d = {"network.tls": {"targets": [tls_target("127.0.0.6", verified=False, issuer="Gateway CA")], "expected_issuers": []}}
    st, ev, _ = run_check("network.tls", d)
    assert st == Status.FAIL and ev["kind"] == "certificate" and ev["problem"] == "untrusted" and ev["issuer_cn"] == "Gateway CA"


def test_tls_verified_but_unexpected_issuer_fails() -> None:
    """A corporate root installed in the OS store verifies, but is not the shop's issuer."""
    d = {"network.tls": {"targets": [tls_target("127.0.0.1", issuer="Corp AV Root")], "expected_issuers": ["R11"]}}
    st, ev, _ = run_check("network.tls", d)
    assert st == Status.FAIL and ev["problem"] == "issuer"


def test_tls_expired_and_wrong_name_are_named() -> None:
    t = tls_target("127.0.0.1", verified=False)
    t["cert"]["expired"] = True
    assert run_check("network.tls", {"network.tls": {"targets": [t]}})[1]["problem"] == "expired"
    t2 = tls_target("127.0.0.1", verified=False)
    t2["cert"]["hostname_match"] = False
    assert run_check("network.tls", {"network.tls": {"targets": [t2]}})[1]["problem"] == "hostname"


def test_tls_handshake_timeout_is_no_answer() -> None:
    t = tls_target("127.0.0.3", verified=False, error_kind="timeout", cert=None)
    st, ev, _ = run_check("network.tls", {"network.tls": {"targets": [t]}})
    assert st == Status.FAIL and ev["kind"] == "no-answer"


def test_tls_slow_handshake_warns() -> None:
    t = tls_target("127.0.0.1", handshake_ms=2000.0)
    st, ev, _ = run_check("network.tls", {"network.tls": {"targets": [t]}})
    assert st == Status.WARN and ev["slow_handshake"]


def test_tls_expiring_soon_warns() -> None:
    t = tls_target("127.0.0.1")
    t["cert"]["days_left"] = 3
    assert run_check("network.tls", {"network.tls": {"targets": [t]}})[0] == Status.WARN


def test_http_no_answer_fails_with_dominant_kind() -> None:
    d = {"network.http": {"requests": [{"status": None, "error_kind": "timeout"}, {"status": None, "error_kind": "timeout"}]}}
    st, ev, _ = run_check("network.http", d)
    assert st == Status.FAIL and ev["error_kind"] == "timeout"


def test_http_5xx_is_an_answer_for_the_network() -> None:
    d = {"network.http": {"requests": [{"status": 502, "ttfb_ms": 5, "connect_ms": 1, "tls_ms": 5, "dns_ms": 2}]}}
    assert run_check("network.http", d)[0] == Status.PASS


def test_http_phase_over_budget_warns() -> None:
    d = {"network.http": {"requests": [{"status": 200, "ttfb_ms": 5000, "connect_ms": 1, "tls_ms": 5, "dns_ms": 2}]}}
    st, ev, _ = run_check("network.http", d)
    assert st == Status.WARN and any("ttfb" in o for o in ev["over_budget"])


def _series(*times: float | None, kind: str = "timeout") -> dict:
    return {"samples": [{"status": 200, "ttfb_ms": t} if t is not None else {"status": None, "error_kind": kind} for t in times]}


def test_latency_slow_on_every_endpoint_fails_as_slow() -> None:
    d = {"network.latency": {"series": {"static": _series(2100, 2300, 2000), "api": _series(2200, 2500, 2100)}}}
    st, ev, _ = run_check("network.latency", d)
    assert st == Status.FAIL and ev["kind"] == "slow"
    assert ev["series"]["static"]["p50_ms"] == 2100


def test_latency_only_api_slow_is_a_warning_for_the_platform() -> None:
    d = {"network.latency": {"series": {"static": _series(20, 30, 25), "api": _series(2200, 2500, 2100)}}}
    st, ev, _ = run_check("network.latency", d)
    assert st == Status.WARN and ev["slow"] == ["api"]


def test_latency_all_timeouts_is_timeout_not_slow() -> None:
    d = {"network.latency": {"series": {"static": _series(None), "api": _series(None)}}}
    st, ev, _ = run_check("network.latency", d)
    assert st == Status.FAIL and ev["kind"] == "timeout"


def test_latency_jitter_and_loss_on_every_endpoint_fail() -> None:
    d = {"network.latency": {"series": {"static": _series(10, 900, 20, 950), "api": _series(15, 880, 30, 990)}}}
    st, ev, _ = run_check("network.latency", d)
    assert st == Status.FAIL and ev["jittery"] == ["static", "api"]
    d2 = {"network.latency": {"series": {"static": _series(10, None, None, 12, kind="reset"),
                                         "api": _series(10, None, None, 11, kind="reset")}}}
    st2, ev2, _ = run_check("network.latency", d2)
    assert st2 == Status.FAIL and ev2["lossy"] == ["static", "api"]


def test_latency_fine() -> None:
    d = {"network.latency": {"series": {"static": _series(10, 12, 11), "api": _series(15, 14, 16)}}}
    assert run_check("network.latency", d, profile(budgets={"ttfb_ms": 800}))[0] == Status.PASS


def test_captive_portal_redirect_fails_and_204_passes() -> None:
    base = {"url": "http://portal.test/generate_204", "expect_status": 204}
    st, ev, _ = run_check("network.captive-portal", {"network.captive-portal": {**base, "status": 302, "location": "http://portal.test/login"}})
    assert st == Status.FAIL and ev["location"].endswith("/login")
    assert run_check("network.captive-portal", {"network.captive-portal": {**base, "status": 204}})[0] == Status.PASS
    st3, _, _ = run_check("network.captive-portal", {"network.captive-portal": {**base, "status": 200, "body_matches": False}})
    assert st3 == Status.FAIL
    assert run_check("network.captive-portal", {"network.captive-portal": {**base, "status": None, "error_kind": "timeout"}})[0] == Status.WARN


def test_proxy_verdicts() -> None:
    none = {"network.proxy": {"variables": {}, "applies": False}}
    assert run_check("network.proxy", none)[0] == Status.PASS
    proxy = {"variable": "HTTPS_PROXY", "url": "http://127.0.0.1:9", "scheme": "http", "error": None}
    dead = {"network.proxy": {"variables": {"HTTPS_PROXY": "x"}, "applies": True, "proxy": proxy,
                              "check": {"connect_ok": False, "error_kind": "refused"}}}
    st, ev, _ = run_check("network.proxy", dead)
    assert st == Status.FAIL and ev["kind"] == "unreachable"
    auth = {"network.proxy": {**dead["network.proxy"], "check": {"connect_ok": True, "tunnel_status": 407}}}
    assert run_check("network.proxy", auth)[1]["kind"] == "auth"
    ok = {"network.proxy": {**dead["network.proxy"], "check": {"connect_ok": True, "tunnel_status": 200}}}
    assert run_check("network.proxy", ok)[0] == Status.PASS
    bad = {"network.proxy": {**dead["network.proxy"], "proxy": {**proxy, "error": "unsupported proxy scheme 'ftp'"}}}
    assert run_check("network.proxy", bad)[1]["kind"] == "invalid"


def test_dead_socks_proxy_fails_even_without_socks_support() -> None:
    proxy = {"variable": "ALL_PROXY", "url": "socks5://127.0.0.1:9", "scheme": "socks5", "error": None}
    d = {"network.proxy": {"variables": {"ALL_PROXY": "x"}, "applies": True, "proxy": proxy, "socks_support": False,
                           "check": {"connect_ok": False, "error_kind": "refused"}}}
    assert run_check("network.proxy", d)[0] == Status.FAIL
    d["network.proxy"]["check"] = {"connect_ok": True}
    assert run_check("network.proxy", d)[0] == Status.WARN
    assert run_check("network.http", {"network.http": {"requests": [{"status": None, "error_kind": "unsupported",
                                                                      "error": "socks"}]}})[0] == Status.SKIP


def test_one_outlier_on_a_healthy_loopback_link_is_not_slow() -> None:
    """The reported case: median 2.7 ms, one sample of 600 ms. Jitter that one sample inflated and a
    single slow answer used to make this network.slow (80 %); a link is slow only when enough of its
    samples are."""
    static = [2.7, 2.5, 2.9, 600.0, 2.6, 2.8, 2.7, 2.4, 2.6, 2.9, 2.7, 2.5]
    api = [2.8, 2.6, 3.0, 2.7, 2.9, 600.0, 2.6, 2.8, 2.7, 2.5, 2.6, 2.7]
    d = {"network.latency": {"series": {"static": _series(*static), "api": _series(*api)}}}
    st, ev, _ = run_check("network.latency", d, profile(budgets={"ttfb_ms": 500, "jitter_ms": 300}))
    assert st == Status.PASS, ev
    s = ev["series"]["static"]
    assert s["samples"] == 12 and s["slow_samples"] == 1 and s["p50_ms"] < 3 and s["jitter_ms"] < 1
    assert ev["samples"] == 24  # the sample count is in the evidence
    from kmdiag.diagnosis import diagnose
    from kmdiag.i18n import T
    from kmdiag.models import Finding

    f = Finding("network.latency", "network", st, T(zh="", en=""), T(zh="", en=""), ev)
    assert not [c for c in diagnose([f], command="order", options={}) if c.id == "network.slow"]


def test_slow_needs_a_minimum_count_of_slow_samples() -> None:
    b = profile(budgets={"ttfb_ms": 500})
    two_bad = [900.0, 950.0] + [3.0] * 10  # median fine, 2 of 12 slow
    d = {"network.latency": {"series": {"static": _series(*two_bad), "api": _series(*two_bad)}}}
    assert run_check("network.latency", d, b)[0] == Status.PASS
    mostly_bad = [900.0] * 8 + [3.0] * 4  # median over budget and 8 ≥ 30 % of 12
    d = {"network.latency": {"series": {"static": _series(*mostly_bad), "api": _series(*mostly_bad)}}}
    st, ev, _ = run_check("network.latency", d, b)
    assert st == Status.FAIL and ev["kind"] == "slow" and ev["series"]["api"]["slow_samples"] == 8


def test_too_few_answers_cannot_make_a_link_slow() -> None:
    d = {"network.latency": {"series": {"static": _series(2100, 2300), "api": _series(2200, 2500)}}}
    st, ev, summary = run_check("network.latency", d, profile(budgets={"ttfb_ms": 500}))
    assert st == Status.WARN and ev["kind"] == "few-samples"
