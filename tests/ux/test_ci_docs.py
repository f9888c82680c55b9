"""docs/ci.md stays in step with kmdiag: its GitHub Actions and GitLab jobs parse as YAML, run the smoke
test with options kmdiag really has, and publish the JUnit file and the HTML report as artifacts."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import yaml

DOC = Path(__file__).resolve().parents[2] / "docs" / "ci.md"


def _blocks() -> list[dict]:
    text = DOC.read_text(encoding="utf-8")
    return [yaml.safe_load(b) for b in re.findall(r"```yaml\n(.*?)```", text, re.S)]


def _kmdiag_commands(script: str) -> list[list[str]]:
    joined = script.replace("\\\n", " ")
    return [shlex.split(line.strip())[1:] for line in joined.splitlines() if line.strip().startswith("kmdiag ")]


def _check_command(args: list[str]) -> None:
    """The documented command line parses with kmdiag's real options (click does the parsing)."""
    import typer

    from kmdiag.cli.app import app

    cmd = typer.main.get_command(app)
    sub = cmd.commands[args[0]]
    ctx = sub.make_context(args[0], list(args[1:]), resilient_parsing=False)
    assert ctx.params["smoke"] is True and ctx.params["format"] == "junit"
    assert ctx.params["output"] is not None and str(ctx.params["output"]) == "report.xml"
    assert ctx.params["evidence"] is not None


def test_github_actions_job() -> None:
    gh = next(b for b in _blocks() if isinstance(b, dict) and "jobs" in b)
    job = next(iter(gh["jobs"].values()))
    steps = job["steps"]
    runs = [s["run"] for s in steps if "run" in s]
    smoke = [c for r in runs for c in _kmdiag_commands(r)]
    assert smoke, runs
    for args in smoke:
        _check_command(args)
    evidence = str(next(a for a in smoke)[smoke[0].index("--evidence") + 1])
    uploads = [s for s in steps if str(s.get("uses", "")).startswith("actions/upload-artifact")]
    paths = "\n".join(str(s["with"]["path"]) for s in uploads)
    assert "report.xml" in paths and f"{evidence}/report.html" in paths
    assert all(s.get("if") == "always()" for s in uploads)  # kept when the job fails
    assert any("junit" in str(s.get("uses", "")) for s in steps)  # shown in the test view


def test_gitlab_job() -> None:
    gl = next(b for b in _blocks() if isinstance(b, dict) and any(isinstance(v, dict) and "script" in v
                                                                      for v in b.values()))
    job = next(v for v in gl.values() if isinstance(v, dict) and "script" in v)
    smoke = [c for line in job["script"] for c in _kmdiag_commands(line)]
    assert smoke
    for args in smoke:
        _check_command(args)
    evidence = smoke[0][smoke[0].index("--evidence") + 1]
    art = job["artifacts"]
    assert art["when"] == "always" and art["reports"]["junit"] == "report.xml"
    assert "report.xml" in art["paths"] and f"{evidence}/report.html" in art["paths"]


def test_the_documented_run_really_writes_those_files(cli, tmp_path: Path) -> None:
    """The artifacts the jobs publish are the files the command writes (demo shop, loopback only)."""
    xml, ev = tmp_path / "report.xml", tmp_path / "evidence"
    code, out, err = cli("order", "--demo", "--smoke", "--only", "network,platform", "--format", "junit",
                         "--output", str(xml), "--evidence", str(ev))
    assert code == 0, err
    assert xml.read_text(encoding="utf-8").startswith('<?xml version="1.0"')
    assert (ev / "report.html").is_file()
