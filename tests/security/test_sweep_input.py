"""The sweep refuses input it cannot read (exit 2, what it expected) and never says "ok" having checked nothing."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.security.capture import Capture, profile_yaml


@pytest.fixture(scope="module")
def capture() -> Iterator[Capture]:
    c = Capture().start()
    c.answers["/api.php"] = (200, b'{"code": 1, "status": "0", "trade_no": "T1", "money": "1.00"}', {})  # not paid
    yield c
    c.close()


@pytest.fixture
def profile(capture: Capture, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("KMDIAG_CAPTURE_ADMIN", "adm-token-123456")
    monkeypatch.setenv("KMDIAG_CAPTURE_KEY", "merchant-key-123456")
    p = tmp_path / "capture.yaml"
    p.write_text(profile_yaml(capture.base))
    return str(p)


def _sweep(cli, profile: str, path: str) -> tuple[int, dict | None, str]:
    code, out, err = cli("payment", "--sweep", "--orders-file", path, "--profile", profile, "--format", "json",
                         "--timeout", "8")
    lines = [json.loads(x) for x in out.splitlines() if x.strip()]
    summary = next((x for x in lines if x.get("type") == "summary"), None)
    return code, summary, err


REFUSED = {
    "json-list.txt": ('["KM0001", "KM0002"]\n', "looks like JSON"),
    "json-objects.txt": ('[{"order_id": "KM0001"}]\n', "looks like JSON"),
    "date-first.csv": ("2026-11-25 10:00:00,KM0001,10.00\n2026-11-25 10:01:00,KM0002,5.00\n", "holds dates"),
    "date-first-semicolon.csv": ("2026/11/25;KM0001\n2026/11/26;KM0002\n", "holds dates"),
    "header-no-id.csv": ("amount,buyer,time\n10.00,bob,noon\n", "names no order-number column"),
    "empty.txt": ("\n\n# only a comment\n", "holds no order numbers"),
    "words.txt": ("hello world!\nthis is not, an export?\n", "no order number"),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_refused_with_what_was_expected(cli, profile: str, capture: Capture, tmp_path: Path, name: str) -> None:
    text, why = REFUSED[name]
    f = tmp_path / name
    f.write_text(text, encoding="utf-8")
    capture.requests.clear()
    code, summary, err = _sweep(cli, profile, str(f))
    assert code == 2, (code, err)
    assert why in err and "expected" in err and "Traceback" not in err
    assert capture.requests == []  # nothing was asked


@pytest.mark.parametrize("path", ["/dev/zero", "DIR"])
def test_devices_and_directories_refused(cli, profile: str, tmp_path: Path, path: str) -> None:
    code, _s, err = _sweep(cli, profile, str(tmp_path) if path == "DIR" else path)
    assert code == 2 and "--orders-file" in err and "Traceback" not in err


READ = {
    "semicolon.csv": "KM0001;10.00\nKM0002;5.00\n",
    "tab.tsv": "KM0001\t10.00\nKM0002\t5.00\n",
    "header.csv": "created_at,out_trade_no,amount\n2026-11-25 10:00,KM0001,10\n2026-11-25 10:01,KM0002,5\n",
    "header-zh.csv": "\ufeff下单时间;订单号;金额\n2026-11-25;KM0001;10\n2026-11-25;KM0002;5\n",
    "plain.txt": "KM0001\r\nKM0002  a note\r\n",
}


@pytest.mark.parametrize("name", sorted(READ))
def test_csv_variants_are_read(cli, profile: str, tmp_path: Path, name: str) -> None:
    f = tmp_path / name
    f.write_text(READ[name], encoding="utf-8")
    code, summary, err = _sweep(cli, profile, str(f))
    assert summary is not None, err
    assert summary["total"] == 2 and summary["checked"] == 2, summary
    assert code == 0 and summary["status"] == "ok"


def test_nothing_checked_is_never_ok(cli, profile: str, tmp_path: Path, capture: Capture) -> None:
    capture.answers["/api.php"] = (500, b"{}", {})  # the provider fails every query
    try:
        f = tmp_path / "o.txt"
        f.write_text("KM0001\n")
        code, summary, _err = _sweep(cli, profile, str(f))
    finally:
        capture.answers["/api.php"] = (200, b'{"code": 1, "status": "0", "trade_no": "T1", "money": "1.00"}', {})
    assert summary is not None and summary["checked"] == 0
    assert code == 3 and summary["status"] != "ok"


def test_fifo_orders_file_is_read(cli, profile: str, tmp_path: Path) -> None:
    """A pipe (``<(…)``) is a legitimate orders file: read in the reader thread, never on the loop."""
    import threading

    fifo = tmp_path / "orders.fifo"
    os.mkfifo(fifo)

    def writer() -> None:
        with open(fifo, "w") as w:
            w.write("KM0001\nKM0002\n")

    t = threading.Thread(target=writer, daemon=True)
    t.start()
    code, summary, err = _sweep(cli, profile, str(fifo))
    t.join(5)
    assert summary is not None and summary["checked"] == 2, err
