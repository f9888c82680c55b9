"""How much `kmdiag --help` costs compared with importing typer and rich alone.

Runs each command several times in fresh interpreters and prints medians. Nothing touches the
network.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time

RUNS = 15


def _once(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - t0


def main() -> dict[str, float]:
    # Interleaved (python, typer+rich, kmdiag --help, python, ...) so that a shared machine's load
    # drifts over all three alike; the ratio is the median of the per-round ratios.
    cmds = {"python_ms": [sys.executable, "-c", "pass"], "import_typer_rich_ms": [sys.executable, "-c", "import typer, rich"],
            "kmdiag_help_ms": [sys.executable, "-m", "kmdiag", "--help"]}
    samples: dict[str, list[float]] = {k: [] for k in cmds}
    ratios = []
    for _ in range(RUNS):
        got = {k: _once(c) for k, c in cmds.items()}
        for k, v in got.items():
            samples[k].append(v)
        ratios.append(got["kmdiag_help_ms"] / got["import_typer_rich_ms"])
    out = {k: statistics.median(v) * 1000 for k, v in samples.items()}
    for k, v in out.items():
        print(f"{k:<22} {v:7.1f} ms (median of {RUNS})")
    out["help_over_typer_rich"] = statistics.median(ratios)
    print(f"kmdiag --help costs {out['kmdiag_help_ms'] - out['import_typer_rich_ms']:.1f} ms more than importing typer "
          f"and rich; median per-round ratio {out['help_over_typer_rich']:.2f}x; load average {os.getloadavg()[0]:.2f}")
    return out


if __name__ == "__main__":
    main()
