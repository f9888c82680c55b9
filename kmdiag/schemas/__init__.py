"""JSON Schemas of kmdiag's machine-readable outputs, shipped with the package (``kmdiag schema NAME``).

``report`` describes ``--format json`` of ``order`` and ``payment``; ``sweep`` one line of
``payment --sweep --format json``. Their ``schema_version`` is the report's; docs/report-schema.md
says when it changes and how long older versions are still produced.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

NAMES = ("report", "sweep")


def text(name: str) -> str:
    if name not in NAMES:
        raise KeyError(name)
    return resources.files(__package__).joinpath(f"{name}.schema.json").read_text(encoding="utf-8")


def load(name: str) -> dict[str, Any]:
    return json.loads(text(name))  # type: ignore[no-any-return]
