"""The exporter's configuration: one file:line error and exit 2, --check-config, the examples parse."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kmdiag.serve.config import ConfigError, load_config, parse_config
from tests.serve.helpers import MONITORING


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "serve.yml"
    p.write_text(text, encoding="utf-8")
    return p


@pytest.mark.parametrize("text, line, needle", [
    ("listen: 127.0.0.1:9477\nbrowsers: 0\n", 2, "browsers"),
    ("listen: nowhere\n", 1, "host:port"),
    ("browsers: 2\nmodulez: {}\n", 2, "did you mean 'modules'"),
    ("modules:\n  order:\n    timeout_s: 5\n    lagn: en\n", 4, "did you mean 'lang'"),
    ("modules:\n  mine: {timeout_s: 5}\n", 2, "needs 'prober:'"),
    ("profiles:\n  a: {demo: {faults: [dns-hijak]}}\n", 2, "did you mean 'dns-hijack'"),
    ("profiles:\n  a: {profile: no-such-profile}\n", 2, "no profile named"),
    ("profiles:\n  a:\n    profile: generic\n    env: {KMDIAG_TOKEN: 'secret value'}\n", 2, "variable name"),
    ("modules:\n  order:\n    compensate: {enabled: true}\n", 3, "only payment-sweep"),
    ("modules:\n  payment-sweep: {since: forever}\n", 2, "duration"),
    ("browsers: 2\nmodules: {order: [\n", 3, "not valid YAML"),
])
def test_errors_name_file_and_line(tmp_path: Path, text: str, line: int, needle: str) -> None:
    p = _write(tmp_path, text)
    with pytest.raises(ConfigError) as exc:
        load_config(p)
    msg = exc.value.message
    assert msg.startswith(f"{p}:{line}:"), msg
    assert needle in msg


def test_cli_bad_config_is_exit_2_with_one_line(tmp_path: Path, cli) -> None:
    p = _write(tmp_path, "browsers: -1\n")
    code, out, err = cli("serve", "--config", str(p))
    assert code == 2
    assert err.startswith(f"kmdiag: error: {p}:1: browsers:")
    assert "Traceback" not in err
    code, _, err = cli("serve", "--config", str(tmp_path / "missing.yml"), "--check-config")
    assert code == 2 and "cannot read" in err


def test_check_config_ok(tmp_path: Path, cli) -> None:
    p = _write(tmp_path, "browsers: 3\nprofiles:\n  shop: {profile: generic}\nmodules:\n  order: {profile: shop}\n")
    code, out, err = cli("serve", "--config", str(p), "--check-config")
    assert code == 0, err
    assert "OK" in out and "3 browsers" in out


def test_defaults_and_relative_paths(tmp_path: Path) -> None:
    p = _write(tmp_path, "modules:\n  payment-sweep:\n    compensate: {enabled: true}\n")
    cfg = load_config(p)
    assert set(cfg.modules) == {"payment-sweep"}
    comp = cfg.modules["payment-sweep"].compensate
    assert comp.dry_run is True  # enabling compensation alone never sends anything
    assert Path(comp.record_file).parent == tmp_path
    assert cfg.host_port == ("127.0.0.1", 9477)  # loopback unless told otherwise


def test_shipped_example_parses() -> None:
    text = (MONITORING / "kmdiag-serve.yml").read_text(encoding="utf-8")
    cfg = parse_config(text, "kmdiag-serve.yml")
    assert cfg.targets.allow and not cfg.modules["payment-sweep"].compensate.enabled


def test_help_does_not_import_the_server() -> None:
    code = ("import sys; from kmdiag.cli.app import run; run(['--help']);"
            "bad=[m for m in sys.modules if m.startswith(('prometheus_client','kmdiag.serve'))]; print(bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60).stdout
    assert out.strip().endswith("[]"), out
