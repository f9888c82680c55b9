"""Evidence bundles for a support ticket: report files, screenshots, console log, HAR.

Everything written here passes through the run's Redactor first.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kmdiag.models import Report
from kmdiag.redact import Redactor


def write_bundle(report: Report, ctx: Any, directory: Path, *, redactor: Redactor, lang: str) -> Path:
    from kmdiag.render.json_ import report_dict

    directory.mkdir(parents=True, exist_ok=True)
    (directory / "report.json").write_text(
        json.dumps(report_dict(report, lang, redactor), ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    return directory
