"""Two variants of one kmdiag command, alternately (A B A B ...): what one change buys, on a busy box.

A change is switched by an environment variable (``KMDIAG_PRELAUNCH=0`` turns the browser
pre-launch off) or by a git worktree holding the code before it (``--a-python``). Each run is a fresh
process; the report gives both medians, the median of the per-pair ratios B/A and the load average.

    python benchmarks/paired.py --a-env KMDIAG_PRELAUNCH=0 -- order --demo --smoke
    python benchmarks/paired.py --pairs 9 --a-env KMDIAG_PRELAUNCH=0 -- order --demo --platform acg-faka --smoke
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

# Variant A from another source tree (e.g. ``git archive OLD kmdiag | tar -x -C /tmp/old``): the
# editable install's finder is dropped so that tree's kmdiag is the one imported.
_FROM_TREE = ("import runpy, sys; sys.meta_path[:] = [f for f in sys.meta_path if 'editable' not in repr(f)]; "
              "sys.path.insert(0, sys.argv.pop(1)); sys.argv[0] = 'kmdiag'; runpy.run_module('kmdiag', run_name='__main__')")


def _one(python: str, args: list[str], env: dict[str, str], tree: str | None = None) -> tuple[float, int, str | None]:
    t0 = time.perf_counter()
    head = [python, "-c", _FROM_TREE, tree] if tree else [python, "-m", "kmdiag"]
    r = subprocess.run([*head, *args, "--format", "json"], capture_output=True, text=True,
                       timeout=120, env={**os.environ, **env})
    dt = time.perf_counter() - t0
    try:
        causes = json.loads(r.stdout).get("causes") or []
    except ValueError:
        causes = []
    return dt, r.returncode, (causes[0]["id"] if causes else None)


def _env(pairs: list[str]) -> dict[str, str]:
    return dict(p.split("=", 1) for p in pairs)


def main() -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", type=int, default=7)
    ap.add_argument("--a-env", action="append", default=[], help="NAME=VALUE for variant A (before)")
    ap.add_argument("--b-env", action="append", default=[], help="NAME=VALUE for variant B (after)")
    ap.add_argument("--a-python", default=sys.executable, help="the interpreter of variant A (another worktree's venv)")
    ap.add_argument("--a-tree", default=None, help="variant A's kmdiag source tree (the code before a change)")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("args", nargs="+", help="kmdiag's arguments (after --)")
    a = ap.parse_args()
    ea, eb = _env(a.a_env), _env(a.b_env)
    _one(a.a_python, a.args, ea, a.a_tree)  # warm both once
    _one(sys.executable, a.args, eb)
    ta, tb, ratios, outcomes = [], [], [], {"A": set(), "B": set()}
    load0 = os.getloadavg()[0]
    for _ in range(a.pairs):
        x, ca, pa = _one(a.a_python, a.args, ea, a.a_tree)
        y, cb, pb = _one(sys.executable, a.args, eb)
        ta.append(x)
        tb.append(y)
        ratios.append(y / x)
        outcomes["A"].add((ca, pa))
        outcomes["B"].add((cb, pb))
    load1 = os.getloadavg()[0]
    res = {"args": a.args, "a_tree": a.a_tree, "a_env": ea, "b_env": eb, "pairs": a.pairs, "a_median_s": round(statistics.median(ta), 3),
           "b_median_s": round(statistics.median(tb), 3), "median_ratio_b_over_a": round(statistics.median(ratios), 3),
           "a_outcomes": sorted(map(str, outcomes["A"])), "b_outcomes": sorted(map(str, outcomes["B"])),
           "loadavg_start": round(load0, 2), "loadavg_end": round(load1, 2), "cpus": os.cpu_count()}
    if a.json:
        print(json.dumps(res))
    else:
        print(f"A {ea or ''} {a.a_tree or ''}: median {res['a_median_s']:.2f} s "
              f"(exit, top cause: {res['a_outcomes']})")
        print(f"B {eb or ''}: median {res['b_median_s']:.2f} s (exit, top cause: {res['b_outcomes']})")
        print(f"B/A median of per-pair ratios {res['median_ratio_b_over_a']:.2f} over {a.pairs} pairs; "
              f"load average {res['loadavg_start']} -> {res['loadavg_end']} on {res['cpus']} CPUs")
    return res


if __name__ == "__main__":
    main()
