"""The suite's fuzz properties (tests/security/fuzz_props.py) with a large budget: the figures for
docs/reliability.md — cases tried, tracebacks, hangs, cases over budget, leaks — per property.

    .venv/bin/python benchmarks/fuzz.py [EXAMPLES]   (default 2000 per property)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import tests.conftest  # noqa: E402,F401  (the loopback guard: fuzzing must not reach the network either)
from tests.security import fuzz_props as fp  # noqa: E402

HANG_S = 10.0


def run(name: str, strategy: st.SearchStrategy, check, n: int) -> dict:  # type: ignore[no-untyped-def]
    stats = {"cases": 0, "tracebacks": 0, "hangs": 0, "over_budget": 0, "leaks": 0, "examples": []}

    @settings(max_examples=n, deadline=None, database=None, derandomize=False,
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def prop(args: tuple) -> None:
        stats["cases"] += 1
        started = time.monotonic()
        try:
            check(*args)
        except AssertionError as e:
            kind = "leaks" if "leak" in str(e) else "over_budget" if "over budget" in str(e) else "tracebacks"
            stats[kind] += 1
            if len(stats["examples"]) < 3:
                stats["examples"].append(f"{kind}: {e!s:.120} for {args!r:.120}")
        except Exception as e:  # noqa: BLE001 - counted, not raised: the figure is the point
            stats["tracebacks"] += 1
            if len(stats["examples"]) < 3:
                stats["examples"].append(f"{type(e).__name__}: {e!s:.100} for {args!r:.120}")
        if time.monotonic() - started > HANG_S:
            stats["hangs"] += 1

    t = time.monotonic()
    prop()
    stats["seconds"] = round(time.monotonic() - t, 1)
    return stats


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    fmts = st.sampled_from(["auto", "combined", "laravel", "acg-faka"])
    props = [
        ("profile loader", st.tuples(st.one_of(fp.YAML, st.text(max_size=300))), fp.check_profile, n),
        ("log formats", st.tuples(fp.LOGS, fmts), fp.check_logs, max(100, n // 4)),
        ("callback parsers", st.tuples(fp.PARAMS, fp.JSONISH, st.binary(max_size=200)), fp.check_callbacks, n),
        ("order ids", st.tuples(fp.IDS), fp.check_id, n),
        ("URLs", st.tuples(fp.URLS), fp.check_url, n),
        ("redaction", st.tuples(fp.SECRETS, st.text(max_size=30), st.text(max_size=30),
                                st.sampled_from(["raw", "url", "plus", "json"])), fp.check_redaction, n),
    ]
    print("| property | cases | tracebacks | hangs | over budget | leaks | seconds |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    total = dict.fromkeys(("cases", "tracebacks", "hangs", "over_budget", "leaks"), 0)
    for name, strat, check, k in props:
        s = run(name, strat, check, k)
        for key in total:
            total[key] += s[key]
        print(f"| {name} | {s['cases']} | {s['tracebacks']} | {s['hangs']} | {s['over_budget']} | {s['leaks']} | "
              f"{s['seconds']} |")
        for ex in s["examples"]:
            print(f"|   ↳ {ex} |", file=sys.stderr)
    print(f"| **all** | {total['cases']} | {total['tracebacks']} | {total['hangs']} | {total['over_budget']} | "
          f"{total['leaks']} | |")


if __name__ == "__main__":
    main()
