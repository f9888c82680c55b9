"""Architecture rules that reviews keep asking about, checked mechanically.

- checks, causes, diagnosis and render never import I/O libraries (they are pure);
- ids are kebab-case with a dotted layer; every cause id of the contract is registered;
- every check and cause has both languages.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from kmdiag import registry

ROOT = Path(__file__).resolve().parents[2]
PKG = ROOT / "kmdiag"
IO_LIBS = {"httpx", "httpcore", "dns", "playwright", "socket", "ssl", "subprocess", "requests", "asyncio"}
PURE = [PKG / "checks", PKG / "causes", PKG / "diagnosis.py", PKG / "render"]
ID = re.compile(r"^[a-z]+\.[a-z0-9]+(-[a-z0-9]+)*$")


def _py_files() -> list[Path]:
    out: list[Path] = []
    for p in PURE:
        out += [p] if p.is_file() else sorted(p.rglob("*.py"))
    return out


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", _py_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_pure_layers_import_no_io(path: Path) -> None:
    bad = {n for n in _imports(path) if n.split(".")[0] in IO_LIBS or n.startswith(("kmdiag.probes", "kmdiag.demo"))}
    assert not bad, f"{path.name} imports {sorted(bad)}"


def test_ids_are_kebab_case_with_a_dotted_layer() -> None:
    registry.load_builtins()
    for ident in list(registry.PROBES) + list(registry.CHECKS) + list(registry.CAUSES):
        assert ID.match(ident), ident


def test_every_contract_cause_is_registered() -> None:
    registry.load_builtins()
    contract = ROOT.parent / "shared" / "contract" / "causes.md"
    if not contract.exists():
        pytest.skip("shared/contract is not beside this checkout")
    ids = set(re.findall(r"^\| `([a-z]+\.[a-z0-9-]+)` \|", contract.read_text(encoding="utf-8"), re.M))
    assert ids, "no ids parsed from causes.md"
    missing = ids - set(registry.CAUSES)
    assert not missing, sorted(missing)


def test_every_check_need_is_a_registered_probe() -> None:
    registry.load_builtins()
    for c in registry.CHECKS.values():
        for need in c.needs:
            assert need in registry.PROBES, (c.id, need)
        for dep in c.after:
            assert dep in registry.CHECKS, (c.id, dep)
