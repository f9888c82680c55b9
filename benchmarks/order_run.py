"""Wall-clock of a full `kmdiag order --demo` (all layers, real Chromium), median of N runs.

Each run is a fresh process, as a user would start it: demo start-up, every probe, the browser
launch and click, checks, diagnosis and rendering. Also times a run against a black-holed target
(`--fault request-timeout`) to show the run ends inside `--timeout`.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time

RUNS = 7


def _run(args: list[str]) -> tuple[float, int, dict]:
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "kmdiag", *args, "--format", "json"], capture_output=True, text=True)
    dt = time.perf_counter() - t0
    try:
        rep = json.loads(r.stdout)
    except ValueError:
        rep = {}
    return dt, r.returncode, rep


def main() -> dict[str, float]:
    healthy = [_run(["order", "--demo", "--smoke"]) for _ in range(RUNS)]
    times = [t for t, _, _ in healthy]
    codes = {c for _, c, _ in healthy}
    layers = sorted({c["layer"] for c in healthy[-1][2].get("checks", [])})
    print(f"kmdiag order --demo --smoke: median {statistics.median(times):.2f} s, min {min(times):.2f}, "
          f"max {max(times):.2f} over {RUNS} runs; exit codes {sorted(codes)}; layers {layers}")
    faulty = [_run(["order", "--demo", "--fault", "button-obscured"]) for _ in range(3)]
    ft = [t for t, _, _ in faulty]
    print(f"kmdiag order --demo --fault button-obscured: median {statistics.median(ft):.2f} s; "
          f"top cause {faulty[-1][2].get('causes', [{}])[0].get('id') if faulty[-1][2].get('causes') else None}")
    bh = _run(["order", "--demo", "--fault", "request-timeout", "--timeout", "4"])
    print(f"black-holed target with --timeout 4: ended after {bh[0]:.2f} s, exit {bh[1]}, status {bh[2].get('status')}")
    return {"median_s": statistics.median(times), "blackhole_s": bh[0]}


if __name__ == "__main__":
    main()
