"""Cause rules and their ranking on literal findings: upstream causes come first."""

from __future__ import annotations

from kmdiag import plugins, registry
from kmdiag.diagnosis import diagnose
from tests.network.helpers import finding, top

NETWORK_IDS = {"network.dns-failure", "network.dns-hijack", "network.unreachable", "network.slow",
               "network.request-timeout", "network.captive-portal", "network.tls-intercepted",
               "network.proxy-misconfigured"}


def test_every_contract_id_is_registered_with_bilingual_text_in_range() -> None:
    plugins.load_builtins()
    for cid in NETWORK_IDS | {"platform.down", "platform.overloaded"}:
        spec = registry.CAUSES[cid]
        lo, hi = (10, 29) if spec.layer == "network" else (30, 39)
        assert lo <= spec.priority <= hi, cid
        for t in (spec.title, spec.explanation, *(s.text for s in spec.steps)):
            assert t.zh.strip() and t.en.strip() and t.zh != t.en, cid
        assert {s.audience for s in spec.steps} == {"user", "agent", "operator"}, cid


def test_hijack_ranks_before_the_tls_failure_it_causes() -> None:
    fs = [finding("network.dns-consistent", "fail", hijacked=["shop.test"], system=["127.0.0.2"], trusted=["127.0.0.1"],
                  tls_system_failed=True, tls_trusted_ok=True, reason="no-shared-address"),
          finding("network.tls", "fail", kind="certificate", problem="untrusted", issuer_cn="Ads CA"),
          finding("network.http", "fail", error_kind="tls")]
    causes = diagnose(fs, command="order")
    assert causes[0].id == "network.dns-hijack" and causes[0].confidence >= 0.9
    assert "network.tls-intercepted" not in [c.id for c in causes]


def test_intercepted_when_dns_is_consistent() -> None:
    fs = [finding("network.dns-consistent", "pass"), finding("network.tls", "fail", kind="certificate", problem="untrusted",
                                                               issuer_cn="Gateway CA", verify_error="x")]
    assert top(fs)[0] == "network.tls-intercepted"


def test_refused_is_unreachable_not_timeout() -> None:
    fs = [finding("network.tcp-connect", "fail", unreachable_hosts=["shop.test"], error_kind="refused"),
          finding("network.http", "fail", error_kind="connect"),
          finding("network.latency", "fail", kind="no-answer", error_kind="connect")]
    assert top(fs) == ["network.unreachable"]


def test_connected_but_no_answer_is_request_timeout() -> None:
    fs = [finding("network.tcp-connect", "pass"), finding("network.tls", "pass"),
          finding("network.http", "fail", error_kind="timeout", timeout_s=3.2),
          finding("network.latency", "fail", kind="timeout", error_kind="timeout")]
    causes = diagnose(fs, command="order")
    assert [c.id for c in causes] == ["network.request-timeout"]
    assert "3.2" in causes[0].explanation.en


def test_answers_far_over_budget_are_slow() -> None:
    fs = [finding("network.tcp-connect", "pass"), finding("network.http", "warn"),
          finding("network.latency", "fail", kind="slow", series={"static": {"p50_ms": 1200}}, budget={"ttfb_ms": 800})]
    assert top(fs) == ["network.slow"]


def test_timeouts_on_a_crawling_handshake_are_slow_not_timeout() -> None:
    fs = [finding("network.tls", "warn", slow_handshake=True), finding("network.http", "fail", error_kind="timeout"),
          finding("network.latency", "fail", kind="timeout")]
    assert top(fs) == ["network.slow"]


def test_down_platform_is_not_a_network_cause() -> None:
    fs = [finding("network.tcp-connect", "pass"), finding("network.http", "pass"), finding("network.latency", "pass"),
          finding("platform.reachable", "fail", kind="down", endpoints=[{"roles": ["page"], "statuses": [502], "errors": []}])]
    assert top(fs) == ["platform.down"]


def test_overloaded_and_downstream_frontend_symptom_is_explained() -> None:
    fs = [finding("platform.load", "fail", kind="shedding", shedding=["u"], retry_after="30",
                  endpoints=[{"roles": ["order-api"], "statuses": [429], "retry_after": "30"}])]
    causes = diagnose(fs, command="order")
    assert causes[0].id == "platform.overloaded" and "30" in causes[0].next_steps[0].text.en


def test_portal_and_proxy_rank_before_dns() -> None:
    fs = [finding("network.captive-portal", "fail", status=302, expect_status=204, location="http://p/login"),
          finding("network.dns-resolve", "fail", failed=["shop.test"], failures=["NXDOMAIN"], trusted_answered=True)]
    assert top(fs)[0] == "network.captive-portal"
    fs2 = [finding("network.proxy", "fail", kind="unreachable", proxy={"variable": "HTTPS_PROXY", "url": "http://127.0.0.1:9"}),
           finding("network.http", "fail", error_kind="proxy")]
    causes = diagnose(fs2, command="order")
    assert causes[0].id == "network.proxy-misconfigured" and "HTTPS_PROXY" in causes[0].explanation.en


def test_site_gone_is_not_a_local_dns_failure() -> None:
    fs = [finding("network.dns-resolve", "fail", failed=["shop.test"], failures=["NXDOMAIN"], site_gone=True)]
    assert "network.dns-failure" not in top(fs)


def test_healthy_findings_give_no_cause() -> None:
    ids = ["network.dns-resolve", "network.dns-consistent", "network.tcp-connect", "network.tls", "network.http",
           "network.latency", "network.captive-portal", "network.proxy", "platform.reachable", "platform.load"]
    assert top([finding(i, "pass") for i in ids]) == []


def test_a_portal_explains_the_hijack_it_causes() -> None:
    fs = [finding("network.captive-portal", "fail", status=302, expect_status=204),
          finding("network.dns-consistent", "fail", hijacked=["shop.test"], tls_system_failed=True, tls_trusted_ok=True)]
    causes = diagnose(fs, command="order")
    assert [c.id for c in causes] == ["network.captive-portal", "network.dns-hijack"]
    assert causes[1].confidence < 0.5
