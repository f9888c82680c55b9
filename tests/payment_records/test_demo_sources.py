"""The demo reads three sources (admin API, access log, JSON-lines request log): one callback is one record."""

from __future__ import annotations

import json


def test_every_source_is_read_and_one_callback_stays_one(cli) -> None:
    # Alipay's first retry is 4 minutes away: the history cannot grow while the run reads it.
    code, out, _ = cli("payment", "--demo", "--fault", "alipay-wrong-key", "--format", "json")
    r = json.loads(out)
    ev = {c["id"]: c for c in r["checks"]}["payment.callbacks-received"]["evidence"]
    assert ev["sources"] == ["endpoint", "logs", "request-log"]
    assert ev["count"] == 1 and ev["callbacks"][0]["method"] == "POST"  # the API row and the JSON line, merged
    assert r["causes"][0]["id"] == "payment.signature-invalid"
