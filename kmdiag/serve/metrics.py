"""Turn one run into Prometheus metrics, in a fresh CollectorRegistry per probe.

Why these labels and no others: a label value makes a new time series for as long as Prometheus
keeps data, so only bounded sets are labels — check ids, cause ids, layers, phases, outcomes and
fixed failure reasons. Order ids, URLs, query strings, messages and secrets never are: they stay in
kmdiag's own reports (``kmdiag order/payment`` on the command line, which the runbooks point to).

Check status values (``kmdiag_check_status``): pass 0, warn 1, fail 2, error 3, skip -1.
"""

from __future__ import annotations

import time
from typing import Any

from prometheus_client import CollectorRegistry, Gauge

CHECK_VALUE = {"pass": 0, "warn": 1, "fail": 2, "error": 3, "skip": -1}
REPORT_STATUSES = ("ok", "problem", "inconclusive")
# Fixed reasons for a probe that has no verdict; the only free-form-looking label, and it is an enum.
FAILURE_REASONS = ("browser-pool-busy", "deadline", "profile-error", "provider-config", "pending-list-error",
                   "internal-error", "inconclusive", "problem")


def new_registry() -> CollectorRegistry:
    return CollectorRegistry(auto_describe=True)


def probe_basics(reg: CollectorRegistry, *, success: bool, duration_s: float, reason: str | None = None,
                 timeout_s: float | None = None) -> None:
    Gauge("kmdiag_probe_success", "1 when the probe ran and found no problem, else 0.", registry=reg).set(1 if success else 0)
    Gauge("kmdiag_probe_duration_seconds", "How long the probe took, queueing included.",
          registry=reg).set(round(duration_s, 3))
    if timeout_s is not None:
        Gauge("kmdiag_probe_timeout_seconds", "The budget this probe had (scrape timeout less the offset).",
              registry=reg).set(round(timeout_s, 3))
    if reason is not None:
        assert reason in FAILURE_REASONS, reason
        Gauge("kmdiag_probe_failure_info", "Why kmdiag_probe_success is 0 (one fixed reason).", ["reason"],
              registry=reg).labels(reason=reason).set(1)


def report_metrics(reg: CollectorRegistry, report: Any, measurements: dict[str, Any]) -> None:
    """Checks, causes and phase timings of one order/payment report."""
    st = Gauge("kmdiag_probe_report_status", "The report's status (1 for the one that applies).", ["status"], registry=reg)
    for s in REPORT_STATUSES:
        st.labels(status=s).set(1 if report.status == s else 0)
    chk = Gauge("kmdiag_check_status", "Each check: pass 0, warn 1, fail 2, error 3, skip -1.", ["check", "layer"],
                registry=reg)
    for f in report.findings:
        chk.labels(check=f.id, layer=f.layer).set(CHECK_VALUE.get(str(f.status), 3))
    cause = Gauge("kmdiag_cause", "Each diagnosed cause, valued by its confidence (0..1).", ["cause", "layer"], registry=reg)
    root = Gauge("kmdiag_cause_root", "1 for a diagnosed cause no other cause explains (what to fix first).",
                 ["cause", "layer"], registry=reg)
    for c in report.causes:
        cause.labels(cause=c.id, layer=c.layer).set(round(float(c.confidence), 3))
        root.labels(cause=c.id, layer=c.layer).set(0 if c.explained_by else 1)
    Gauge("kmdiag_causes", "How many causes were diagnosed.", registry=reg).set(len(report.causes))
    Gauge("kmdiag_probes_unfinished", "Probes that ran out of time in this run.", registry=reg).set(len(report.unfinished))
    ph = Gauge("kmdiag_probe_phase_seconds", "Per-phase timings of the order path.", ["phase"], registry=reg)
    for name, ms in phases(measurements).items():
        ph.labels(phase=name).set(round(ms / 1000.0, 4))


def phases(ms: dict[str, Any]) -> dict[str, float]:
    """dns, connect, tls, ttfb, page_load, click_to_request in milliseconds, where the run measured them."""
    out: dict[str, float] = {}

    def data(pid: str) -> dict[str, Any]:
        m = ms.get(pid)
        return m.data if m is not None and m.ok and isinstance(m.data, dict) else {}

    def primary(items: Any) -> dict[str, Any]:
        items = [x for x in items or [] if isinstance(x, dict)]
        return next((x for x in items if x.get("primary")), items[0] if items else {})

    dns = ((primary(data("network.dns").get("hosts")).get("system") or {}).get("A") or {})
    _put(out, "dns", dns.get("ms"))
    _put(out, "connect", primary(data("network.tcp").get("targets")).get("ms"))
    _put(out, "tls", primary(data("network.tls").get("targets")).get("handshake_ms"))
    reqs = data("network.http").get("requests") or []
    if reqs and isinstance(reqs[0], dict):
        _put(out, "ttfb", reqs[0].get("ttfb_ms"))
    page = data("browser.page")
    _put(out, "page_load", (page.get("load") or {}).get("ms"))
    click_at = (page.get("click") or {}).get("at_ms")
    first = next((r for r in page.get("requests_after_click") or [] if isinstance(r, dict) and r.get("order")), None)
    if isinstance(click_at, (int, float)) and first and isinstance(first.get("t_ms"), (int, float)):
        _put(out, "click_to_request", max(0.0, first["t_ms"] - click_at))
    return out


def _put(out: dict[str, float], key: str, v: Any) -> None:
    if isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0:
        out[key] = float(v)


def sweep_metrics(reg: CollectorRegistry, summary: Any, now: float | None = None) -> None:
    """The sweep's counts: lost (paid, unsynced) orders, their age and causes, every outcome."""
    now = time.time() if now is None else now
    lost = summary.lost
    Gauge("kmdiag_paid_unsynced_orders", "Orders the provider says are paid and the shop has not recorded (掉单).",
          registry=reg).set(len(lost))
    ages = [now - r.paid_at for r in lost if isinstance(r.paid_at, (int, float)) and r.paid_at > 0]
    Gauge("kmdiag_paid_unsynced_oldest_age_seconds", "Age of the oldest paid-but-unsynced order (0 when none).",
          registry=reg).set(round(max(ages), 1) if ages else 0)
    by = Gauge("kmdiag_paid_unsynced_by_cause", "Paid-but-unsynced orders by their likely cause.", ["cause"], registry=reg)
    counts: dict[str, int] = {}
    for r in lost:
        counts[r.cause or "unknown"] = counts.get(r.cause or "unknown", 0) + 1
    for cause_id, n in sorted(counts.items()):
        by.labels(cause=cause_id).set(n)
    out = Gauge("kmdiag_sweep_orders", "Orders by what the sweep found.", ["outcome"], registry=reg)
    for k, v in summary.counts.items():
        out.labels(outcome=k).set(v)
    Gauge("kmdiag_sweep_orders_checked", "Orders the provider gave a definite answer about.", registry=reg).set(summary.checked)
    Gauge("kmdiag_sweep_provider_queries", "Queries sent to the provider (retries included).", registry=reg).set(summary.queries)
    Gauge("kmdiag_sweep_rate_limited", "Provider answers that said slow down.", registry=reg).set(summary.rate_limited)
    Gauge("kmdiag_sweep_deadline_hit", "1 when the sweep ran out of time (some orders unchecked).",
          registry=reg).set(1 if summary.deadline_hit else 0)
    Gauge("kmdiag_sweep_provider_fatal", "1 when the provider refused the sweep (credentials, down for everyone).",
          registry=reg).set(1 if summary.fatal_error else 0)


def compensation_metrics(reg: CollectorRegistry, outcomes: dict[str, int]) -> None:
    g = Gauge("kmdiag_compensation_actions", "补单 decisions of this sweep, by outcome.", ["outcome"], registry=reg)
    for k, v in sorted(outcomes.items()):
        g.labels(outcome=k).set(v)
