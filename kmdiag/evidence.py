"""Evidence bundles for a support ticket: everything an agent asks a shopper for, in one place.

``--evidence DIR`` (or ``--evidence FILE.zip``) writes::

    report.md        ticket body; its first line says what the bundle holds
    report.html      one self-contained page with the annotated screenshots inline
    report.json      the machine report (contract schema)
    screenshots/     the annotated screenshots the browser layer took
    console.log      the page's console messages
    page.har         the page load and the click, as a HAR
    trace.zip        the Playwright trace (only with --trace)

Every file passes through the run's one Redactor before it is written: HAR and trace
structurally (:mod:`kmdiag.redact_files`), reports through :func:`kmdiag.render.render`.
Sources are the screenshots listed in ``report.artifacts`` and the raw files the browser probe
leaves in ``ctx.state["browser_files"]`` (``har`` / ``console`` / ``trace``, each optional).
Afterwards ``report.artifacts`` lists exactly the files written (paths relative to the bundle),
so the report rendered afterwards, and the ones inside the bundle, point at what is there.
"""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from kmdiag import tempdir
from kmdiag.i18n import T
from kmdiag.models import Artifact, Report
from kmdiag.redact import Redactor

# kind -> (bundle name, description) for the raw files of the browser layer.
_BROWSER = {"har": ("page.har", "HAR: page load and click"), "console": ("console.log", "browser console"),
            "trace": ("trace.zip", "Playwright trace: playwright show-trace trace.zip")}
_REPORTS = (("report.md", "markdown"), ("report.html", "html"), ("report.json", "json"))


def write_bundle(report: Report, ctx: Any, directory: Path, *, redactor: Redactor, lang: str) -> Path:
    """Write the bundle (a directory, or a zip when the path ends in .zip) and return its path.

    A bundle that cannot be written (disk full, no permission) costs the bundle, not the diagnosis:
    the report still renders, with a note saying why the evidence is missing.
    """
    dest = Path(directory)
    try:
        return _write(report, ctx, dest, redactor=redactor, lang=lang)
    except OSError as exc:
        print(f"kmdiag: error: could not write the evidence bundle {dest}: {exc}", file=sys.stderr)
        report.meta["output_error"] = f"evidence bundle {dest}: {exc.strerror or exc}"  # the exit code says so
        report.notes.append(T(zh=f"证据包未能写入（{dest}）：{exc.strerror or exc}",
                              en=f"the evidence bundle could not be written ({dest}): {exc.strerror or exc}"))
        return dest


def _write(report: Report, ctx: Any, dest: Path, *, redactor: Redactor, lang: str) -> Path:
    from kmdiag.render import render

    if ctx is not None:  # secrets a probe learnt during the run (a cookie the shop set) join the redactor
        redactor.add(*getattr(ctx, "secrets", {}).values())
    zipped = dest.suffix.lower() == ".zip"
    if zipped:
        stage = Path(tempdir.mkdtemp("evidence-zip-"))
    else:  # staged beside the target (same file system), moved into place when complete: never half a bundle
        dest.parent.mkdir(parents=True, exist_ok=True)
        stage = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".kmdiag-tmp", dir=dest.parent))
    done = False
    try:
        files = _copy_sources(report, ctx, stage, redactor)
        report.artifacts = [Artifact("report", name) for name, _ in _REPORTS] + files
        report.meta["evidence"] = str(dest)
        report.meta["_artifact_root"] = str(stage)
        for name, fmt in _REPORTS:
            (stage / name).write_text(render(report, fmt, lang=lang, redactor=redactor), encoding="utf-8")
        if zipped:
            _zip(stage, [a.path for a in report.artifacts], dest)
        else:
            _publish(stage, dest)
        done = True
    finally:
        if zipped or not done:
            shutil.rmtree(stage, ignore_errors=True)
    report.meta["_artifact_root"] = str(dest)
    return dest


def _publish(stage: Path, dest: Path) -> None:
    """Move a complete bundle from ``stage`` to ``dest``: one rename when ``dest`` is new or empty; into an
    existing directory file by file (each ``os.replace`` is atomic: no file is ever half written)."""
    import os

    if dest.is_dir() and not any(dest.iterdir()):
        dest.rmdir()
    if not dest.exists():
        os.rename(stage, dest)
        return
    for src in sorted(p for p in stage.rglob("*") if p.is_file()):
        target = dest / src.relative_to(stage)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(src, target)
    shutil.rmtree(stage, ignore_errors=True)


def _copy_sources(report: Report, ctx: Any, stage: Path, redactor: Redactor) -> list[Artifact]:
    """Redacted copies of screenshots, HAR, console log, trace and any other listed artifact."""
    out: list[Artifact] = []
    used: set[str] = set()

    def put(kind: str, src: Path, name: str, description: str) -> None:
        if not src.is_file():
            return
        base, n = name, 2
        while name in used:
            stem, dot, ext = base.rpartition(".")
            name = f"{stem}-{n}.{ext}" if dot else f"{base}-{n}"
            n += 1
        used.add(name)
        redactor.file(src, stage / name, kind)
        out.append(Artifact(kind, name, description))

    shots = [a for a in report.artifacts if a.kind == "screenshot"]
    for i, a in enumerate(shots, 1):
        put("screenshot", Path(a.path), f"screenshots/{i:02d}-{_safe(Path(a.path).name)}", a.description)
    raw: dict[str, str] = {}
    state = getattr(ctx, "state", None) or {}
    for kind, path in (state.get("browser_files") or {}).items():
        if path:
            raw[kind] = str(path)
    for a in report.artifacts:  # a probe may list its files as artifacts instead
        if a.kind in _BROWSER and a.kind not in raw:
            raw[a.kind] = a.path
    for kind, path in raw.items():
        name, description = _BROWSER.get(kind, (f"files/{kind}-{_safe(Path(path).name)}", kind))
        if kind == "har" and Path(path).suffix.lower() == ".zip":
            name = "page.har.zip"
        put(kind, Path(path), name, description)
    for a in report.artifacts:  # anything else a layer listed (callback logs...), redacted as text
        if a.kind not in _BROWSER and a.kind not in ("screenshot", "report"):
            put(a.kind, Path(a.path), f"files/{_safe(Path(a.path).name)}", a.description)
    return out


def _zip(stage: Path, names: list[str], dest: Path) -> None:
    """The bundle as one zip, report.md first (it is the README); written aside, then moved in place."""
    from kmdiag.outputs import atomic_path

    with atomic_path(dest) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:  # never a half zip
        for name in names:
            p = stage / name
            if p.is_file():
                z.write(p, arcname=Path(name).as_posix())


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", name)[-80:] or "file"
