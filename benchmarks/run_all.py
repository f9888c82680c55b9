"""Run every benchmark in turn (make bench). Numbers go to docs/benchmarks.md by hand, with the date."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

HERE = Path(__file__).parent

for name in ("startup.py", "order_run.py", "bare_click.py", "sweep.py", "serve.py", "bombs.py", "fuzz.py"):
    path = HERE / name
    if path.exists():
        print(f"\n== {name}")
        sys.argv = [str(path)]
        runpy.run_path(str(path), run_name="__main__")
