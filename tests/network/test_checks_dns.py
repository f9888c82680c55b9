"""DNS checks on literal measurements: the OONI consistency rules, bogons relative to the control."""

from __future__ import annotations

from kmdiag.checks.network import judge_host
from kmdiag.models import Status
from tests.network.helpers import dns_answer, dns_host, run_check, tls_target


def _dns(*hosts: dict) -> dict:
    return {"network.dns": {"hosts": list(hosts), "system_resolver": ["127.0.0.1:53"]}}


def test_shared_address_is_consistent() -> None:
    h = dns_host(dns_answer(["203.0.113.5", "203.0.113.6"]), dns_answer(["203.0.113.6"]))
    assert judge_host(h, {})["reason"] == "shared-address"
    st, ev, _ = run_check("network.dns-consistent", _dns(h))
    assert st == Status.PASS


def test_both_nxdomain_is_consistent_and_resolve_says_site_gone() -> None:
    h = dns_host(dns_answer(rcode="NXDOMAIN"), dns_answer(rcode="NXDOMAIN"))
    v = judge_host(h, {})
    assert (v["verdict"], v["reason"]) == ("consistent", "both-nxdomain")
    st, ev, text = run_check("network.dns-resolve", _dns(h))
    assert st == Status.FAIL and ev["site_gone"] is True
    assert "does not exist" in text


def test_system_failure_while_trusted_answers_is_a_resolve_failure_not_a_hijack() -> None:
    h = dns_host(dns_answer(rcode="SERVFAIL"), dns_answer(["203.0.113.5"]))
    assert judge_host(h, {})["verdict"] == "system-failure"
    st, ev, _ = run_check("network.dns-resolve", _dns(h))
    assert st == Status.FAIL and ev["trusted_answered"] and ev["failures"] == ["SERVFAIL"]
    st2, _, _ = run_check("network.dns-consistent", _dns(h))
    assert st2 == Status.SKIP


def test_timeout_on_system_resolver_is_a_failure() -> None:
    h = dns_host(dns_answer(error_kind="timeout"), dns_answer(["203.0.113.5"]))
    st, ev, _ = run_check("network.dns-resolve", _dns(h))
    assert st == Status.FAIL and ev["failures"] == ["timeout"]


def test_no_shared_address_is_inconsistent() -> None:
    h = dns_host(dns_answer(["198.51.100.7"]), dns_answer(["203.0.113.5"]))
    st, ev, _ = run_check("network.dns-consistent", _dns(h))
    assert st == Status.FAIL and ev["reason"] == "no-shared-address"


def test_tls_on_system_answer_validates_it_like_a_cdn() -> None:
    h = dns_host(dns_answer(["198.51.100.7"]), dns_answer(["203.0.113.5"]))
    tls = {"targets": [tls_target("198.51.100.7")]}
    v = judge_host(h, tls)
    assert (v["verdict"], v["reason"]) == ("consistent", "tls-validated")
    st, _, _ = run_check("network.dns-consistent", {**_dns(h), "network.tls": tls})
    assert st == Status.PASS


def test_tls_failing_on_system_but_working_on_trusted_is_recorded() -> None:
    h = dns_host(dns_answer(["127.0.0.2"]), dns_answer(["127.0.0.1"]))
    tls = {"targets": [tls_target("127.0.0.2", verified=False), tls_target("127.0.0.1", source="trusted")]}
    st, ev, _ = run_check("network.dns-consistent", {**_dns(h), "network.tls": tls})
    assert st == Status.FAIL and ev["tls_system_failed"] and ev["tls_trusted_ok"]


def test_bogon_flagged_only_when_trusted_answer_is_public() -> None:
    h = dns_host(dns_answer(["10.0.0.1"]), dns_answer(["47.100.1.2"]))  # data only: nothing is sent
    assert judge_host(h, {})["reason"] == "bogon"


def test_loopback_is_not_a_bogon_when_the_trusted_resolver_also_answers_loopback() -> None:
    """The demo: both resolvers answer 127.x; a loopback answer alone must not read as hijack."""
    h = dns_host(dns_answer(["127.0.0.4"]), dns_answer(["127.0.0.1"]))
    v = judge_host(h, {"targets": [tls_target("127.0.0.4")]})
    assert v["verdict"] == "consistent"
    v2 = judge_host(h, {})
    assert v2["reason"] == "no-shared-address"  # inconsistent, but not called a bogon


def test_answer_for_a_name_the_control_says_does_not_exist() -> None:
    h = dns_host(dns_answer(["198.51.100.7"]), dns_answer(rcode="NXDOMAIN"))
    assert judge_host(h, {})["reason"] == "control-nxdomain"


def test_no_control_answer_is_a_warning_not_a_verdict() -> None:
    h = dns_host(dns_answer(["198.51.100.7"]), dns_answer(error_kind="timeout"))
    st, _, _ = run_check("network.dns-consistent", _dns(h))
    assert st == Status.WARN


def test_ip_literal_is_consistent() -> None:
    h = {"host": "203.0.113.5", "port": 443, "primary": True, "literal": True, "system": None, "trusted": []}
    assert judge_host(h, {})["reason"] == "ip-literal"


def test_slow_dns_is_a_warning() -> None:
    h = dns_host(dns_answer(["203.0.113.5"], ms=900), dns_answer(["203.0.113.5"]))
    st, _, text = run_check("network.dns-resolve", _dns(h))
    assert st == Status.WARN and "slow" in text
