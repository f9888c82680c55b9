"""Run the kmdiag CLI and report this process's own peak memory on stderr.

``python -m kmdiag`` cannot say how much memory *it* used: a child's rusage also counts Chromium
and the Playwright driver. This wrapper runs the same ``main`` and prints ``KMDIAG_PEAK_RSS_KB``.
"""

from __future__ import annotations

import resource
import sys

from kmdiag.__main__ import main

if __name__ == "__main__":
    code = main(sys.argv[1:])
    print(f"KMDIAG_PEAK_RSS_KB={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}", file=sys.stderr)
    sys.exit(code)
