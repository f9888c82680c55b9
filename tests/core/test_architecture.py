"""Architecture rules that reviews keep asking about, checked mechanically.

- checks, causes, diagnosis and render never import I/O libraries (they are pure);
- no import circles anywhere in kmdiag/, and lower layers never reach higher ones, transitively
  (the graph is built from every module's imports, function-level ones included);
- ids are kebab-case with a dotted layer; every cause id of the contract is registered;
- every check and cause has both languages.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import pytest

from kmdiag import plugins, registry

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
    plugins.load_builtins()
    for ident in list(registry.PROBES) + list(registry.CHECKS) + list(registry.CAUSES):
        assert ID.match(ident), ident


def test_every_contract_cause_is_registered() -> None:
    plugins.load_builtins()
    contract = ROOT.parent / "shared" / "contract" / "causes.md"
    if not contract.exists():
        pytest.skip("shared/contract is not beside this checkout")
    ids = set(re.findall(r"^\| `([a-z]+\.[a-z0-9-]+)` \|", contract.read_text(encoding="utf-8"), re.M))
    assert ids, "no ids parsed from causes.md"
    missing = ids - set(registry.CAUSES)
    assert not missing, sorted(missing)


def test_every_check_need_is_a_registered_probe() -> None:
    plugins.load_builtins()
    for c in registry.CHECKS.values():
        for need in c.needs:
            assert need in registry.PROBES, (c.id, need)
        for dep in c.after:
            assert dep in registry.CHECKS, (c.id, dep)



# -- the import graph ---------------------------------------------------------------------------
# Nodes are kmdiag modules (a package is its __init__). An edge m -> n means running m imports n:
# a module-level or function-level ``import``/``from ... import``, a ``pkgutil`` discovery loop in a
# package __init__ (it imports every public submodule), or a string literal naming a kmdiag module
# (the demo's and render's tables of modules handed to ``importlib.import_module``). Importing
# ``a.b.c`` also runs ``a`` and ``a.b``, so those are edges too — except a module's own ancestors,
# which Python has already started when the module runs (that is not a circle). Imports under
# ``if TYPE_CHECKING:`` never run (annotations are strings under ``from __future__ import
# annotations``), so they are not edges.

# Circles that another branch is removing. Each entry is one edge (importer, imported) that is
# dropped from the graph before the checks run; delete the entry when that branch lands.
KNOWN_EDGES: dict[tuple[str, str], str] = {}


def _module_of(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _walk_runtime(tree: ast.AST) -> Iterable[ast.AST]:
    """Every node that can run: the bodies of ``if TYPE_CHECKING:`` are left out (their ``else`` kept)."""
    todo = [tree]
    while todo:
        node = todo.pop()
        yield node
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            todo.extend(node.orelse)
            continue
        todo.extend(ast.iter_child_nodes(node))


@cache
def _modules() -> dict[str, Path]:
    return {_module_of(p): p for p in sorted(PKG.rglob("*.py"))}


def _ancestors(name: str) -> set[str]:
    parts = name.split(".")
    return {".".join(parts[:i]) for i in range(1, len(parts))}


def _scan() -> tuple[dict[str, frozenset[str]], dict[str, frozenset[str]]]:
    """(kmdiag edges, third-party/stdlib top-level names) per module, known exceptions left out."""
    return _scan_dropping(frozenset(KNOWN_EDGES))


@cache
def _scan_dropping(drop: frozenset[tuple[str, str]]) -> tuple[dict[str, frozenset[str]], dict[str, frozenset[str]]]:
    """The graph with the edges in ``drop`` left out (before their ancestors are added)."""
    mods = _modules()
    graph: dict[str, frozenset[str]] = {}
    external: dict[str, frozenset[str]] = {}
    for name, path in mods.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets: set[str] = set()
        libs: set[str] = set()
        source = path.read_text(encoding="utf-8")
        dynamic = "import_module(" in source
        for node in _walk_runtime(ast.parse(source)):
            if isinstance(node, ast.Import):
                for a in node.names:
                    (targets if a.name.split(".")[0] == "kmdiag" else libs).add(a.name)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    mod = ".".join(base + ([node.module] if node.module else []))
                else:
                    mod = node.module or ""
                if mod.split(".")[0] != "kmdiag":
                    libs.add(mod)
                    continue
                targets.add(mod)
                targets |= {f"{mod}.{a.name}" for a in node.names if f"{mod}.{a.name}" in mods}
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in mods and dynamic:
                targets.add(node.value)  # a table of modules for importlib.import_module
        if path.name == "__init__.py" and "pkgutil.iter_modules(__path__)" in source:
            targets |= {m for m in mods if m.rpartition(".")[0] == name and not m.rpartition(".")[2].startswith("_")}
        resolved: set[str] = set()
        for t in targets:
            while t and t not in mods:  # ``from kmdiag.x import name``: the module is kmdiag.x
                t = t.rpartition(".")[0]
            if t and (name, t) not in drop:
                resolved |= {t} | _ancestors(t)
        graph[name] = frozenset(resolved - {name} - _ancestors(name))
        external[name] = frozenset(lib.split(".")[0] for lib in libs)
    return graph, external


def _cycles() -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    graph, _ = _scan()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(graph[w]))))
                elif w in on:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp: list[str] = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    out.append(sorted(comp))
    return out


def _reach(start: str) -> dict[str, str]:
    """Every module ``start`` imports, directly or not, each with the module that imports it."""
    graph, _ = _scan()
    seen: dict[str, str] = {start: ""}
    todo = [start]
    while todo:
        v = todo.pop()
        for w in sorted(graph[v]):
            if w not in seen:
                seen[w] = v
                todo.append(w)
    return seen


def _path(seen: dict[str, str], end: str) -> str:
    chain = [end]
    while seen[chain[-1]]:
        chain.append(seen[chain[-1]])
    return " -> ".join(reversed(chain))


def _layer(prefixes: tuple[str, ...]) -> list[str]:
    return [m for m in _modules() if m.startswith(prefixes)]


def _violations(sources: list[str], banned_modules: tuple[str, ...], banned_libs: set[str]) -> list[str]:
    _, external = _scan()
    bad: list[str] = []
    for src in sources:
        seen = _reach(src)
        for m in sorted(seen):
            if m != src and (m in banned_modules or m.startswith(tuple(b + "." for b in banned_modules))):
                bad.append(_path(seen, m))
            for lib in sorted(external[m] & banned_libs):
                bad.append(_path(seen, m) + f" -> {lib}")
    return bad


def test_the_import_graph_sees_function_level_and_dynamic_imports() -> None:
    """The scan itself: a graph that missed these would pass every rule below for the wrong reason."""
    graph, external = _scan()
    assert "kmdiag.payment.net" in graph["kmdiag.demo.pay.gateway"]  # imported inside Gateway.notify
    assert "httpx" in external["kmdiag.demo.pay.gateway"]  # imported inside Gateway._send
    assert "kmdiag.demo.pay" in graph["kmdiag.demo.runtime"]  # named in runtime's _MODULES table
    assert "kmdiag.checks.network" in graph["kmdiag.checks"]  # pkgutil discovery
    assert "kmdiag.probes._context" not in graph["kmdiag.registry"]  # only under TYPE_CHECKING


def test_no_import_circles() -> None:
    cycles = _cycles()
    assert not cycles, "import circles: " + "; ".join(" <-> ".join(c) for c in cycles)


def test_known_exceptions_are_still_real() -> None:
    """An exception whose import is gone must be deleted, so it cannot hide a new import later."""
    raw, _ = _scan_dropping(frozenset())
    gone = [f"{src} -> {dst} ({branch})" for (src, dst), branch in KNOWN_EDGES.items() if dst not in raw.get(src, ())]
    assert not gone, "known exceptions no longer in the code, drop them: " + "; ".join(gone)


def test_checks_causes_and_diagnosis_never_reach_io() -> None:
    """Pure layers, transitively: not through a helper, not through a function-level import."""
    sources = _layer(("kmdiag.checks", "kmdiag.causes")) + ["kmdiag.diagnosis"]
    bad = _violations(sources, ("kmdiag.probes", "kmdiag.cli", "kmdiag.demo", "kmdiag.runner", "kmdiag.payment.net"),
                      {"httpx", "httpcore", "dns", "playwright", "socket", "requests"})
    assert not bad, "\n".join(bad)


def test_payment_never_reaches_cli_or_demo() -> None:
    bad = _violations(_layer(("kmdiag.payment",)), ("kmdiag.cli", "kmdiag.demo"), set())
    assert not bad, "\n".join(bad)


def test_probes_never_reach_cli() -> None:
    bad = _violations(_layer(("kmdiag.probes",)), ("kmdiag.cli",), set())
    assert not bad, "\n".join(bad)


RENDER_SEES = ("kmdiag", "kmdiag.models", "kmdiag.i18n", "kmdiag.words", "kmdiag.redact", "kmdiag.redact_files")


def test_render_sees_only_the_report() -> None:
    """render/ gets a Report and returns text: it reaches only the report models and their helpers."""
    bad: list[str] = []
    for src in _layer(("kmdiag.render",)):
        seen = _reach(src)
        bad += [_path(seen, m) for m in sorted(seen) if m not in RENDER_SEES and not m.startswith("kmdiag.render")]
    assert not bad, "\n".join(bad)


def test_nothing_outside_probes_imports_a_private_probe_module() -> None:
    """``Skip`` and ``ProbeContext`` are public (``from kmdiag.probes import ...``); helpers stay private."""
    graph, _ = _scan()
    bad = [f"{m} -> {t}" for m in graph if not m.startswith("kmdiag.probes") for t in sorted(graph[m])
           if t.startswith("kmdiag.probes.") and t.rpartition(".")[2].startswith("_")]
    assert not bad, "\n".join(bad)
    from kmdiag import probes
    from kmdiag.probes import _base, _context

    assert probes.Skip is _base.Skip and probes.ProbeContext is _context.ProbeContext


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_check_has_a_one_line_description(lang: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Each check says in one line what it looks at, in both languages, and ``kmdiag checks`` shows it."""
    from kmdiag.checks._descriptions import DESCRIPTIONS
    from kmdiag.cli.catalogue import list_checks

    plugins.load_builtins()
    missing = [c.id for c in registry.CHECKS.values() if c.description is None or not c.description.get(lang).strip()]
    assert not missing, f"checks without a {lang} description: {missing}"
    stale = sorted(set(DESCRIPTIONS) - set(registry.CHECKS))
    assert not stale, f"descriptions for checks that do not exist: {stale}"
    for c in registry.CHECKS.values():
        text = c.description.get(lang) if c.description else ""
        assert "\n" not in text and len(text) <= 120, (c.id, text)
        assert text != c.title.get(lang), f"{c.id}: the description only repeats the title"
    assert list_checks(lang) == 0
    out = capsys.readouterr().out
    for c in registry.CHECKS.values():
        assert c.description is not None and c.description.get(lang) in out, c.id
    if lang == "zh":
        assert "用本机的 DNS 解析商城域名" in out
