"""``kmdiag payment --demo --platform acg-faka``: paid, notified, lost, refused, mis-addressed, repaired."""

from __future__ import annotations

import pytest

from tests.acgfaka.conftest import cause_ids, cli, share

pytestmark = pytest.mark.usefixtures("_own_journal")


def _payment(capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, dict, str]:
    code, report, err = cli(capsys, "payment", "--demo", "--platform", "acg-faka", "--format", "json", "--lang", "en",
                            "--timeout", "30", *extra)
    assert report is not None, err
    return code, report, err


def test_paid_notified_delivered_is_no_problem(capsys: pytest.CaptureFixture[str]) -> None:
    code, report, _ = _payment(capsys)
    assert cause_ids(report) == []
    assert code == 0


def test_paid_but_never_notified(capsys: pytest.CaptureFixture[str]) -> None:
    code, report, _ = _payment(capsys, "--fault", "never-notified")
    assert cause_ids(report)[0] == "payment.callback-missing"
    assert code == 1


def test_wrong_epay_key_in_the_shop(capsys: pytest.CaptureFixture[str]) -> None:
    code, report, _ = _payment(capsys, "--fault", "wrong-epay-key")
    assert cause_ids(report)[0] == "payment.signature-invalid"
    assert code == 1
    cb = {c["id"]: c for c in report["checks"]}["payment.callbacks-received"]
    assert cb["status"] == "pass"  # the runtime.log line, matched by time: no trade number in it


def test_port_dropping_proxy(capsys: pytest.CaptureFixture[str]) -> None:
    code, report, _ = _payment(capsys, "--fault", "proxy-drops-port")
    assert cause_ids(report)[0] == "payment.callback-url-wrong"
    assert "payment.callback-missing" not in cause_ids(report)  # not lost on the way: handed a wrong URL
    assert code == 1
    handed = {c["id"]: c for c in report["checks"]}["payment.notify-url-handed"]
    assert handed["status"] == "fail" and handed["evidence"]["problem"] == "port"


def test_renotify_repairs_a_lost_callback(capsys: pytest.CaptureFixture[str]) -> None:
    code, report, err = cli(capsys, "payment", "--demo", "--platform", "acg-faka", "--fault", "never-notified",
                            "--renotify", "--yes", "--format", "json", "--lang", "en")
    assert code == 0, err
    assert report["result"]["accepted"] is True
    assert report["result"]["order_status_before"] == "unpaid"
    assert report["result"]["order_status_after"] == "completed"
    assert report["diagnosis_after"]["causes"] == []


def test_sweep_finds_the_lost_order(capsys: pytest.CaptureFixture[str]) -> None:
    from kmdiag.cli.app import run

    capsys.readouterr()
    code = run(["payment", "--demo", "--platform", "acg-faka", "--fault", "never-notified", "--sweep", "--lang", "en"])
    out = capsys.readouterr().out
    assert code == 1, out
    assert "LOST" in out and "payment.callback-missing" in out


@pytest.fixture(scope="module")
def paid_shop() -> object:
    from kmdiag.demo.acgfaka.mode import AcgFakaDemo

    d = AcgFakaDemo([], "payment").start()
    yield d
    d.stop()


def test_completed_order_is_never_a_problem_and_many_runs_write_no_runtime_log_line(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, paid_shop: object) -> None:
    # One series of runs on one shop for both promises: never a problem whatever the logs hold, and
    # neither an order row nor a runtime.log line written by any of the runs.
    d = paid_shop
    share(monkeypatch, d)
    rows = d.store.order_rows()
    before = d.store.runtime_log.read_text(encoding="utf-8")
    for _ in range(4):
        code, report, _ = _payment(capsys)
        assert cause_ids(report) == [], cause_ids(report)
        assert code == 0
    assert d.store.order_rows() == rows
    assert d.store.runtime_log.read_text(encoding="utf-8") == before
