"""A healthy loopback link with one 600 ms outlier is never network.slow (the probe, the check and
the diagnosis together, against the real demo shop whose static page really answers late once)."""

from __future__ import annotations

import os
import threading
import time

import pytest

from kmdiag import runner


@pytest.mark.parametrize("samples", [4, 10])
def test_one_slow_answer_among_many_is_not_a_slow_link(samples: int) -> None:
    from kmdiag.demo.runtime import DemoShop

    demo = DemoShop().start()
    try:
        lock = threading.Lock()
        seen = {"n": 0}

        def one_late_answer(req):  # noqa: ANN001, ANN202 - the demo's hook signature
            if req.method == "GET" and req.path == "/buy/1":  # the demo profile's static_path
                with lock:
                    seen["n"] += 1
                    late = seen["n"] == 3  # the 3rd: one GET is network.http's, the rest the series'
                if late:
                    time.sleep(0.6)
            return None

        demo.shop_app.before.append(one_late_answer)
        profile = demo.profile()
        net = profile.network.model_copy(update={"latency_samples": samples})
        profile = profile.model_copy(update={"network": net})
        options = {"lang": "en", "environ": {**os.environ, **demo.environ}, "demo": True, "smoke": True,
                   "evidence_dir": None}

        def prepare(ctx):  # noqa: ANN001, ANN202
            ctx.state["demo"] = demo

        report, _ = runner.execute("order", profile, options, layers=["network"], budget=20, prepare=prepare)
    finally:
        demo.stop()
    lat = next(f for f in report.findings if f.id == "network.latency")
    static = lat.evidence["series"]["static"]
    assert static["max_ms"] >= 550, static  # the outlier really happened inside the series
    assert static["samples"] == samples and lat.evidence["samples"] >= samples
    assert lat.status.value == "pass", (lat.summary.en, lat.evidence)
    assert "network.slow" not in [c.id for c in report.causes]
