"""How much `kmdiag --help` costs compared with importing typer and rich alone.

Runs each command several times in fresh interpreters and prints medians. Nothing touches the
network.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

RUNS = 15


def _time(cmd: list[str]) -> float:
    samples = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples)


def main() -> dict[str, float]:
    base = _time([sys.executable, "-c", "pass"])
    libs = _time([sys.executable, "-c", "import typer, rich"])
    help_ = _time([sys.executable, "-m", "kmdiag", "--help"])
    out = {"python_ms": base * 1000, "import_typer_rich_ms": libs * 1000, "kmdiag_help_ms": help_ * 1000}
    for k, v in out.items():
        print(f"{k:<22} {v:7.1f} ms (median of {RUNS})")
    print(f"kmdiag --help costs {(help_ - libs) * 1000:.1f} ms more than importing typer and rich")
    return out


if __name__ == "__main__":
    main()
