"""Load the built-in probes, checks and causes so that they register.

Why not in registry.py: every probe, check and cause imports the registry to register itself; a
registry that imported them back made one circle of the whole tool (and made the pure layers reach
the probes' I/O through it). This module sits above all three families; only the runner, the CLI
catalogue, the exporter and tests call it. Cheap: no heavy library is imported.
"""

from __future__ import annotations


def load_builtins() -> None:
    import kmdiag.causes  # noqa: F401
    import kmdiag.checks  # noqa: F401
    import kmdiag.probes  # noqa: F401
