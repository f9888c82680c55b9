"""End to end through the CLI with real Chromium: every page fault of the demo shop is named by
its cause, with exit code 1 and an annotated PNG screenshot in the evidence bundle."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from kmdiag.demo.faults import for_command
from kmdiag.demo.runtime import known_faults, load_modules

load_modules()
BROWSER_FAULTS = sorted(f.name for f in for_command("order").values() if f.layer == "browser")
PNG = b"\x89PNG\r\n\x1a\n"


def run(cli: Any, *args: str) -> tuple[int, dict[str, Any], str, float]:
    t = time.monotonic()
    code, out, err = cli("order", "--demo", "--format", "json", *args)
    took = time.monotonic() - t
    assert "Traceback" not in err, err
    return code, json.loads(out), err, took


def screenshot(report: dict[str, Any], evidence: Path) -> Path:
    shots = [a["path"] for a in report["artifacts"] if a["kind"] == "screenshot"]
    assert shots, report["artifacts"]
    p = Path(shots[0])
    return p if p.is_absolute() else evidence / p


@pytest.mark.browser
@pytest.mark.parametrize("fault", BROWSER_FAULTS + ["overloaded"])
def test_fault_is_named_by_its_cause(cli: Any, tmp_path: Path, fault: str) -> None:
    if fault not in known_faults("order"):
        pytest.skip(f"demo fault {fault} is not registered (yet)")
    expect = for_command("order")[fault].expect
    code, rep, _, took = run(cli, "--fault", fault, "--only", "browser,platform,account", "--evidence", str(tmp_path))
    assert rep["causes"] and rep["causes"][0]["id"] == expect, [(c["id"], c["confidence"]) for c in rep["causes"]]
    assert code == 1
    assert screenshot(rep, tmp_path).read_bytes()[:8] == PNG
    assert took < 10


@pytest.mark.browser
def test_healthy_shop_points_at_the_users_browser_unless_smoke(cli: Any) -> None:
    code, rep, _, _ = run(cli, "--only", "browser,platform,account")
    assert code == 1 and [c["id"] for c in rep["causes"]] == ["client.browser-state"]
    code, rep, _, _ = run(cli, "--only", "browser,platform,account", "--smoke")
    assert code == 0 and rep["causes"] == [] and rep["status"] == "ok"
    sent = next(c for c in rep["checks"] if c["id"] == "browser.click-sends-order")
    assert sent["status"] == "pass"


@pytest.mark.browser
def test_trace_is_saved_with_the_evidence(cli: Any, tmp_path: Path) -> None:
    code, rep, _, _ = run(cli, "--only", "browser", "--trace", "--smoke", "--evidence", str(tmp_path))
    assert code == 0
    kinds = {a["kind"] for a in rep["artifacts"]}
    assert {"screenshot", "trace"} <= kinds


def test_no_browser_gives_one_clear_line_and_the_other_layers_still_run(cli: Any) -> None:
    code, rep, err, _ = run(cli, "--browser", "/nonexistent", "--only", "browser,platform,account")
    assert code in (1, 3)  # never a usage error or a crash
    checks = {c["id"]: c for c in rep["checks"]}
    launch = checks["browser.launch"]
    assert launch["status"] == "error"
    assert "/nonexistent" in launch["summary"] and "install" in launch["summary"]
    assert "Executable doesn't exist" not in json.dumps(rep)
    assert checks["browser.button-found"]["status"] == "skip"
    others = [c for c in rep["checks"] if c["layer"] in ("platform", "account")]
    assert others and all(c["status"] != "skip" for c in others if c["layer"] == "platform")
    code, text, _ = cli("order", "--demo", "--browser", "/nonexistent", "--only", "browser", "--lang", "en")
    assert text.count("/nonexistent does not exist") == 1


@pytest.mark.browser
def test_url_run_stops_the_order_at_the_browser_edge(cli: Any) -> None:
    from tests.browser.pages import serve

    with serve() as srv:
        code, out, err = cli("order", srv.base + "/plain-shop", "--only", "browser", "--format", "json")
        assert srv.posts == 0  # the diagnostic click created no order
    assert "Traceback" not in err
    rep = json.loads(out)
    checks = {c["id"]: c for c in rep["checks"]}
    assert checks["browser.click-sends-order"]["status"] == "pass"
    assert "not sent" in checks["browser.click-sends-order"]["summary"]
    assert checks["browser.error-feedback"]["status"] == "skip"
    # this page has no debounce: the double-click round finds it without sending anything
    assert code == 1 and rep["causes"][0]["id"] == "frontend.double-submit"
