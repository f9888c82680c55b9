"""Outputs are checked before the run and written atomically; a failed write still shows the report."""

from __future__ import annotations

import errno
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.security.capture import Capture, profile_yaml


@pytest.fixture(scope="module")
def capture() -> Iterator[Capture]:
    c = Capture().start()
    yield c
    c.close()


@pytest.fixture
def profile(capture: Capture, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("KMDIAG_CAPTURE_ADMIN", "adm-token-123456")
    monkeypatch.setenv("KMDIAG_CAPTURE_KEY", "merchant-key-123456")
    p = tmp_path / "capture.yaml"
    p.write_text(profile_yaml(capture.base))
    capture.requests.clear()
    return str(p)


@pytest.mark.parametrize("target", ["DIR", "/proc/kmdiag-report.json", "/etc/hostname/report.json"])
@pytest.mark.parametrize("flag", ["--output", "--evidence"])
def test_bad_target_refused_before_the_run(cli, profile: str, capture: Capture, tmp_path: Path, target: str,
                                           flag: str) -> None:
    if target == "DIR":
        if flag == "--evidence":
            (tmp_path / "afile").write_text("x")
            target = str(tmp_path / "afile")  # an existing file where a bundle directory is meant
        else:
            target = str(tmp_path)
    code, out, err = cli("payment", "KM0001", "--profile", profile, "--format", "json", flag, target)
    assert code == 2, (code, err)
    assert err.startswith(f"kmdiag: error: {flag}") and "Traceback" not in err
    assert capture.requests == []  # nothing ran


def _enospc(*_a: object, **_k: object) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


def test_output_write_failure_prints_the_report_and_exits_2(cli, profile: str, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("kmdiag.outputs.os.fsync", _enospc)
    target = tmp_path / "out" / "report.json"
    code, out, err = cli("payment", "KM0001", "--profile", profile, "--format", "json", "--output", str(target))
    assert code == 2 and "No space left on device" in err and "stdout" in err
    assert json.loads(out)["status"] in ("ok", "problem")  # the report is not lost
    assert not target.exists() and list(target.parent.iterdir()) == []  # no half file, no temp leftovers


def test_zip_bundle_failure_leaves_no_part_file(cli, profile: str, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("kmdiag.outputs.os.replace", _enospc)
    target = tmp_path / "ev" / "bundle.zip"
    target.parent.mkdir()
    code, out, err = cli("payment", "KM0001", "--profile", profile, "--format", "json", "--evidence", str(target))
    assert code == 2 and "evidence bundle" in err
    assert json.loads(out)["meta"]["output_error"].startswith("evidence bundle")
    assert list(target.parent.iterdir()) == []  # no ev.zip.part, no temp file


def test_outputs_written_whole(cli, profile: str, tmp_path: Path) -> None:
    target = tmp_path / "r.json"
    target.write_text("old")
    code, out, _ = cli("payment", "KM0001", "--profile", profile, "--format", "json", "--output", str(target),
                       "--evidence", str(tmp_path / "ev.zip"))
    assert code in (0, 1) and out == ""
    assert json.loads(target.read_text())["command"] == "payment"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["capture.yaml", "ev.zip", "r.json"]


def test_sweep_output_checked_first_and_atomic(cli, profile: str, tmp_path: Path) -> None:
    orders = tmp_path / "o.txt"
    orders.write_text("KM0001\n")
    code, _out, err = cli("payment", "--sweep", "--orders-file", str(orders), "--profile", profile, "--output",
                          str(tmp_path))
    assert code == 2 and "--output" in err
    target = tmp_path / "s.jsonl"
    code, _out, _err = cli("payment", "--sweep", "--orders-file", str(orders), "--profile", profile, "--format", "json",
                           "--output", str(target))
    assert target.read_text().splitlines()[-1].startswith('{"type": "summary"')
    assert sorted(p.name for p in tmp_path.iterdir()) == ["capture.yaml", "o.txt", "s.jsonl"]
