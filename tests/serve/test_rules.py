"""The alert rules in docs/monitoring: promtool checks them, and promtool's unit tests cover every alert."""

from __future__ import annotations

import shutil
import subprocess

import pytest
import yaml

from tests.serve.helpers import MONITORING

PROMTOOL = shutil.which("promtool")
needs_promtool = pytest.mark.skipif(PROMTOOL is None, reason="promtool is not installed (scripts/setup.sh installs Debian's prometheus)")


def _alerts() -> dict[str, dict]:
    doc = yaml.safe_load((MONITORING / "kmdiag-rules.yml").read_text(encoding="utf-8"))
    return {r["alert"]: r for g in doc["groups"] for r in g["rules"] if "alert" in r}


def test_every_alert_has_a_runbook_with_a_kmdiag_command() -> None:
    alerts = _alerts()
    assert {"KmdiagPaidUnsynced", "KmdiagOrderButtonBroken", "KmdiagDnsHijack", "KmdiagPlatformOverloaded",
            "KmdiagNotifyEndpointDown"} <= set(alerts)
    for name, rule in alerts.items():
        ann = rule["annotations"]
        assert {"summary", "description", "runbook"} <= set(ann), name
        assert "kmdiag" in ann["runbook"], name


def test_every_alert_has_a_unit_test() -> None:
    tests = yaml.safe_load((MONITORING / "kmdiag-rules.test.yml").read_text(encoding="utf-8"))
    fired = {a["alertname"] for t in tests["tests"] for a in t["alert_rule_test"] if a.get("exp_alerts")}
    silent = {a["alertname"] for t in tests["tests"] for a in t["alert_rule_test"] if not a.get("exp_alerts")}
    missing = set(_alerts()) - fired
    assert not missing, f"alerts without a test that fires them: {sorted(missing)}"
    assert silent, "some tests must show an alert NOT firing (before its for:, or for other label sets)"


@needs_promtool
def test_promtool_check_rules() -> None:
    r = subprocess.run([PROMTOOL, "check", "rules", "kmdiag-rules.yml"], cwd=MONITORING, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"{len(_alerts())} rules found" in r.stdout


@needs_promtool
def test_promtool_test_rules() -> None:
    r = subprocess.run([PROMTOOL, "test", "rules", "kmdiag-rules.test.yml"], cwd=MONITORING, capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "SUCCESS" in r.stdout


@needs_promtool
def test_promtool_check_example_scrape_config() -> None:
    r = subprocess.run([PROMTOOL, "check", "config", "--syntax-only", "prometheus.yml"], cwd=MONITORING,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr


def _exported_names() -> set[str]:
    """Every metric name the exporter defines (Gauge/Counter/Histogram), with Prometheus' suffixes."""
    import re

    from tests.serve.helpers import ROOT

    names: set[str] = set()
    for path in (ROOT / "kmdiag" / "serve").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        for kind, name in re.findall(r'\b(Gauge|Counter|Histogram)\(\s*"(kmdiag_[a-z_]+)"', text):
            if kind == "Counter":
                names.add(name + "_total")
            elif kind == "Histogram":
                names |= {name + s for s in ("_bucket", "_sum", "_count")}
            else:
                names.add(name)
    return names


def test_rules_and_dashboard_use_only_metrics_the_exporter_has() -> None:
    import re

    exported = _exported_names()
    assert "kmdiag_paid_unsynced_orders" in exported and "kmdiag_compensation_total" in exported
    rules = (MONITORING / "kmdiag-rules.yml").read_text(encoding="utf-8")
    dashboard = (MONITORING / "grafana-dashboard.json").read_text(encoding="utf-8")
    import json

    exprs = [t["expr"] for p in json.loads(dashboard)["panels"] for t in p["targets"]]
    exprs += [r["expr"] for r in _alerts().values()]
    used = {n for e in exprs for n in re.findall(r"\b(kmdiag_[a-z_]+)\b", e)}
    assert used and not used - exported, f"unknown metrics: {sorted(used - exported)}"
    assert "kmdiag_" in rules
