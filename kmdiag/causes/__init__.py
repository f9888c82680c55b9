"""Built-in causes. Every module in this package registers its members on import.

Modules are discovered rather than listed so that each layer lives in its own files; modules whose
name starts with an underscore are helpers and are not imported here.
"""

from __future__ import annotations

import importlib
import pkgutil

for _m in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
    if not _m.name.startswith("_"):
        importlib.import_module(f"{__name__}.{_m.name}")
