"""Diagnosis ranking and report status, on literal findings."""

from __future__ import annotations

from kmdiag.diagnosis import report_status
from kmdiag.i18n import T
from kmdiag.models import CauseMatch, Finding, Status


def _f(id: str, status: Status, layer: str = "network") -> Finding:
    return Finding(id, layer, status, T("t", "t"), T("s", "s"))


def _c(id: str) -> CauseMatch:
    return CauseMatch(id, 0.9, T("t", "t"), T("e", "e"), [], [])


def test_status_ok_problem_inconclusive() -> None:
    assert report_status([_f("a", Status.PASS)], [], {}) == "ok"
    assert report_status([_f("a", Status.PASS)], [_c("x.y")], {}) == "problem"
    assert report_status([_f("a", Status.FAIL)], [], {}) == "problem"
    assert report_status([_f("a", Status.WARN)], [], {"fail_on": "warn"}) == "problem"
    assert report_status([_f("a", Status.WARN)], [], {"fail_on": "fail"}) == "ok"
    assert report_status([_f("a", Status.ERROR)], [], {}) == "inconclusive"
    assert report_status([_f("a", Status.PASS), _f("b", Status.ERROR)], [], {}) == "inconclusive"
    assert report_status([], [], {}) == "inconclusive"


def test_upstream_cause_ranks_first_and_explains_downstream() -> None:
    from kmdiag import registry
    from kmdiag.diagnosis import diagnose

    registry.load_builtins()
    ids = {c.id for c in registry.CAUSES.values()}
    if not {"network.dns-hijack", "frontend.click-not-bound"} <= ids:
        import pytest

        pytest.skip("network and frontend causes not registered yet")
    # Find checks that trigger each by brute force is layer-specific; here we check the ordering
    # contract directly on the registry: every network cause outranks every frontend cause.
    net = [c.priority for c in registry.CAUSES.values() if c.layer == "network"]
    fe = [c.priority for c in registry.CAUSES.values() if c.layer == "frontend"]
    assert max(net) < min(fe)
    assert diagnose([], command="order") == [] or all(c.confidence > 0 for c in diagnose([], command="order"))
