"""The exporter's own metrics on ``/metrics``: probes run, durations, errors, browsers in use, reloads.

Kept apart from the per-probe registries (``metrics.py``): these live as long as the process and
describe the exporter, never a target's verdict.
"""

from __future__ import annotations

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    PlatformCollector,
    ProcessCollector,
)

from kmdiag import __version__
from kmdiag.serve.pool import BrowserPool


class ExporterMetrics:
    """The exporter's own health, on /metrics (never per-target verdicts: those are /probe's)."""

    def __init__(self, pool: BrowserPool) -> None:
        import prometheus_client

        prometheus_client.disable_created_metrics()  # *_created series only double the exporter's output
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        ProcessCollector(registry=r)
        PlatformCollector(registry=r)
        Gauge("kmdiag_exporter_build_info", "kmdiag's version.", ["version"], registry=r).labels(version=__version__).set(1)
        self.probes = Counter("kmdiag_exporter_probes", "Probes answered, by module and result.",
                              ["module", "result"], registry=r)
        self.duration = Histogram("kmdiag_exporter_probe_duration_seconds", "Probe durations, by module.", ["module"],
                                  buckets=(0.25, 0.5, 1, 2, 3, 5, 8, 13, 20, 30, 60, 120), registry=r)
        self.errors = Counter("kmdiag_exporter_probe_errors", "Probes that failed inside the exporter (bug, deadline).",
                              ["module", "reason"], registry=r)
        self.rejected = Counter("kmdiag_exporter_scrapes_rejected", "Scrapes refused before running (bad parameters, "
                                "target refused, too many in flight).", ["reason"], registry=r)
        self.compensation = Counter("kmdiag_compensation", "补单 decisions since start, by outcome.", ["outcome"], registry=r)
        self.reload_ok = Gauge("kmdiag_exporter_config_last_reload_successful", "1 if the last configuration load worked.",
                               registry=r)
        self.reload_ts = Gauge("kmdiag_exporter_config_last_reload_success_timestamp_seconds",
                               "When the configuration was last loaded successfully.", registry=r)
        Gauge("kmdiag_exporter_browsers_in_use", "Order probes holding a browser slot now.", registry=r).set_function(
            lambda: pool.in_use)
        Gauge("kmdiag_exporter_browsers_max", "Browser slots (config: browsers).", registry=r).set_function(lambda: pool.size)
        Gauge("kmdiag_exporter_browser_queue", "Order probes waiting for a browser slot now.", registry=r).set_function(
            lambda: pool.waiting)
        self.inflight = Gauge("kmdiag_exporter_probes_in_flight", "Probes of any module running now.", registry=r)
