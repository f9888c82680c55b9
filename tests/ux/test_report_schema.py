"""The JSON report's JSON Schema: shipped in the package, printed by ``kmdiag schema report``, and every
JSON the renderers produce (literal report, every demo fault of order and payment, the sweep's JSON
Lines) validates against it. The schema also stays in step with the contract's example."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import jsonschema
import pytest

from kmdiag import schemas
from kmdiag.render import render
from tests.reports.conftest import make_report
from tests.ux.conftest import all_faults

# The first test that asks for ``demo_runs`` pays for one diagnosis per demo fault (about 40 runs).
pytestmark = pytest.mark.timeout(900)

ROOT = Path(__file__).resolve().parents[2]
CONTRACT = Path("/work/shared/contract/cli-and-report.md")


def _validator(name: str) -> jsonschema.protocols.Validator:
    schema = schemas.load(name)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


REPORT = _validator("report")


def _valid(d: dict, v: jsonschema.protocols.Validator = REPORT) -> None:
    errors = sorted(v.iter_errors(d), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])


def _no_undocumented_fields(d: dict) -> None:
    """Every field kmdiag writes is described (consumers may rely on the schema to know them all)."""
    s = schemas.load("report")
    assert set(d) <= set(s["properties"]), set(d) - set(s["properties"])
    for c in d["checks"]:
        assert set(c) <= set(s["$defs"]["check"]["properties"]), c["id"]
    for c in d["causes"]:
        assert set(c) <= set(s["$defs"]["cause"]["properties"]), c["id"]
    for a in d["artifacts"]:
        assert set(a) <= set(s["$defs"]["artifact"]["properties"])


def test_schema_is_shipped_and_printed(cli) -> None:
    code, out, _ = cli("schema", "report")
    assert code == 0 and json.loads(out) == schemas.load("report")
    code, out, _ = cli("schema", "sweep")
    assert code == 0 and json.loads(out)["title"].startswith("kmdiag payment --sweep")
    assert cli("schema", "nope")[0] == 2
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["kmdiag"]
    assert "schemas/*.json" in data
    assert (ROOT / "kmdiag" / "schemas" / "report.schema.json").is_file()


def test_schema_matches_the_contract_example() -> None:
    """The contract's example report validates, and the schema's version is the renderer's."""
    from kmdiag.render.json_ import SCHEMA_VERSION

    if not CONTRACT.exists():
        pytest.skip("the shared contract is not on this machine")
    block = re.search(r"## JSON report.*?```json\n(.*?)```", CONTRACT.read_text(encoding="utf-8"), re.S)
    assert block
    example = json.loads(block.group(1))
    example["checks"][0]["title"] = "t"
    _valid(example)
    assert schemas.load("report")["properties"]["schema_version"]["const"] == SCHEMA_VERSION == example["schema_version"]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_literal_report_validates(tmp_path: Path, lang: str) -> None:
    from kmdiag.redact import Redactor

    d = json.loads(render(make_report(tmp_path / "s.png"), "json", lang=lang, redactor=Redactor()))
    _valid(d)
    _no_undocumented_fields(d)


def test_schema_rejects_broken_reports(tmp_path: Path) -> None:
    from kmdiag.redact import Redactor

    good = json.loads(render(make_report(tmp_path / "s.png"), "json", lang="en", redactor=Redactor()))
    for path, value in ((("status",), "maybe"), (("checks", 0, "status"), "passed"),
                        (("causes", 0, "next_steps", 0, "audience"), "shopper"), (("causes", 0, "confidence"), 1.5),
                        (("schema_version",), 2), (("started_at",), "yesterday")):
        d = json.loads(json.dumps(good))
        node = d
        for k in path[:-1]:
            node = node[k]
        node[path[-1]] = value
        assert list(REPORT.iter_errors(d)), path


@pytest.mark.parametrize("key", all_faults(), ids=lambda k: f"{k[0]}-{k[1] or 'healthy'}")
def test_every_demo_run_validates(demo_runs, key) -> None:
    code, report, redactor = demo_runs[key]
    for lang in ("zh", "en"):
        d = json.loads(render(report, "json", lang=lang, redactor=redactor))
        _valid(d)
        _no_undocumented_fields(d)
        assert {"ok": 0, "problem": 1, "inconclusive": 3}[d["status"]] == code


def test_sweep_json_lines_validate(cli) -> None:
    v = _validator("sweep")
    code, out, err = cli("payment", "--demo", "--sweep", "--format", "json", "--lang", "zh")
    assert code == 1, err
    lines = [json.loads(x) for x in out.splitlines() if x.strip()]
    assert lines[-1]["type"] == "summary" and sum(1 for x in lines if x["type"] == "order") == lines[-1]["total"]
    for line in lines:
        _valid(line, v)
    bad = dict(lines[0], outcome="paid?")
    assert list(v.iter_errors(bad))
