"""Built-in checks. Every module in this package registers its members on import.

Modules are discovered rather than listed so that each layer lives in its own files; modules whose
name starts with an underscore are helpers and are not imported here. Once all have registered,
each check gets its one-line description for ``kmdiag checks`` (``_descriptions.py``).
"""

from __future__ import annotations

import importlib
import pkgutil

from kmdiag.checks import _descriptions

for _m in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
    if not _m.name.startswith("_"):
        importlib.import_module(f"{__name__}.{_m.name}")

_descriptions.attach()
