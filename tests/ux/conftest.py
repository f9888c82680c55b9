"""One diagnosis per demo fault (order and payment, plus a healthy run of each), shared by the ux tests.

Each run goes through the real CLI (``kmdiag order --demo --fault X --lang zh``) with the real demo
shop, browser and gateway; the Report handed to the renderer is kept, so that every format can be
rendered from the same run in both languages without running the diagnosis again.
"""

from __future__ import annotations

from typing import Any

import pytest

from kmdiag.demo import faults as demo_faults
from kmdiag.models import Report
from kmdiag.redact import Redactor
from tests.conftest import run_cli


def all_faults() -> list[tuple[str, str | None]]:
    from kmdiag.demo.runtime import load_modules

    load_modules()  # importing the layer modules registers every fault
    # The default demo's faults ("order" / "payment"); the acg-faka mode's ("acg-faka/order"...) have their
    # own end-to-end tests in tests/acgfaka.
    found = [(f.command, f.name) for f in demo_faults.FAULTS.values() if f.command in ("order", "payment")]
    return [("order", None), ("payment", None)] + sorted(found)


class Captured:
    def __init__(self) -> None:
        self.runs: dict[tuple[str, str | None], tuple[int, Report, Redactor]] = {}


@pytest.fixture(scope="session")
def demo_runs() -> dict[tuple[str, str | None], tuple[int, Report, Redactor]]:
    import kmdiag.render as render_mod

    cap = Captured()
    real = render_mod.render
    seen: dict[str, Any] = {}

    def grab(report: Report, fmt: str, **kw: Any) -> str:
        seen["report"], seen["redactor"] = report, kw["redactor"]
        return real(report, fmt, **kw)

    render_mod.render = grab  # type: ignore[assignment]
    try:
        for command, fault in all_faults():
            args = [command, "--demo", "--lang", "zh", "--format", "json", "--timeout", "30"]
            if fault:
                args += ["--fault", fault]
            seen.clear()
            code, out, err = run_cli(*args)
            assert "report" in seen, (command, fault, code, err)
            cap.runs[(command, fault)] = (code, seen["report"], seen["redactor"])
    finally:
        render_mod.render = real  # type: ignore[assignment]
    return cap.runs
