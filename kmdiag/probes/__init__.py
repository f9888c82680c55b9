"""Built-in probes. Every module in this package registers its members on import.

Modules are discovered rather than listed so that each layer lives in its own files; modules whose
name starts with an underscore are helpers and are not imported here.

The probe API is public here: ``from kmdiag.probes import ProbeContext, Skip``. It is bound before
the discovery loop, so a probe module imported first (``import kmdiag.probes.platform``) still finds
it on the half-initialised package.
"""

from __future__ import annotations

import importlib
import pkgutil

from kmdiag.probes._base import Skip
from kmdiag.probes._context import PROBE_DEADLINE, ProbeContext

__all__ = ["PROBE_DEADLINE", "ProbeContext", "Skip"]

for _m in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
    if not _m.name.startswith("_"):
        importlib.import_module(f"{__name__}.{_m.name}")
