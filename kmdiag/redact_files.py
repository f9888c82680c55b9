"""Structural redaction of evidence files: HAR, Playwright traces, console logs, screenshots.

Naive unzip-replace-rezip breaks a trace (diagnostic-tools.md §9), and byte replacement inside a
HAR can break its JSON. So each format is parsed and only string *values* are redacted, through
the run's one :class:`~kmdiag.redact.Redactor`:

* HAR (``.har``, JSON): headers, cookies, queryString, postData (text and params), URLs and
  response content text (base64 decoded first) — :meth:`Redactor.data` knows these shapes;
* Playwright trace (a zip): every JSON line of ``*.trace`` / ``*.network`` / ``*.stacks`` is
  parsed and redacted the same way (headers, cookies, postData, URLs, typed form values in action
  params and DOM snapshots); hash-named ``resources/`` blobs keep their names, text blobs are
  scanned, images and fonts only lose known secret bytes; screencast frames (pictures of the form
  being filled) are blanked; member names and order are kept;
* console logs and other text: line by line, JSON lines as JSON, the rest as text.
"""

from __future__ import annotations

import base64
import json
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kmdiag.redact import Redactor

_BINARY = {".png", ".jpg", ".jpeg", ".webp", ".gif", ".ico", ".bmp", ".webm", ".mp4", ".woff", ".woff2", ".ttf",
           ".otf", ".wasm", ".pdf"}
_JSON_LINES = {".trace", ".network", ".stacks", ".jsonl", ".ndjson"}
# Screencast frames are pictures of the page as the shopper's form was being filled: pixels cannot be
# redacted, so each frame becomes this blank 16x10 JPEG. The viewer still works; the DOM snapshots
# (redacted as text) show the page instead.
_BLANK_JPEG = base64.b64decode(
    "/9j/4AAQSkZJRgABAQAAAQABAAD/4gHYSUNDX1BST0ZJTEUAAQEAAAHIAAAAAAQwAABtbnRyUkdCIFhZWiAH4AABAAEAAAAAAABh"
    "Y3NwAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAQAA9tYAAQAAAADTLQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAlkZXNjAAAA8AAAACRyWFlaAAABFAAAABRnWFlaAAABKAAAABRiWFlaAAABPAAAABR3dHB0AAAB"
    "UAAAABRyVFJDAAABZAAAAChnVFJDAAABZAAAAChiVFJDAAABZAAAAChjcHJ0AAABjAAAADxtbHVjAAAAAAAAAAEAAAAMZW5VUwAA"
    "AAgAAAAcAHMAUgBHAEJYWVogAAAAAAAAb6IAADj1AAADkFhZWiAAAAAAAABimQAAt4UAABjaWFlaIAAAAAAAACSgAAAPhAAAts9Y"
    "WVogAAAAAAAA9tYAAQAAAADTLXBhcmEAAAAAAAQAAAACZmYAAPKnAAANWQAAE9AAAApbAAAAAAAAAABtbHVjAAAAAAAAAAEAAAAM"
    "ZW5VUwAAACAAAAAcAEcAbwBvAGcAbABlACAASQBuAGMALgAgADIAMAAxADb/2wBDABsSFBcUERsXFhceHBsgKEIrKCUlKFE6PTBC"
    "YFVlZF9VXVtqeJmBanGQc1tdhbWGkJ6jq62rZ4C8ybqmx5moq6T/2wBDARweHigjKE4rK06kbl1upKSkpKSkpKSkpKSkpKSkpKSk"
    "pKSkpKSkpKSkpKSkpKSkpKSkpKSkpKSkpKSkpKSkpKT/wAARCAAKABADASIAAhEBAxEB/8QAFQABAQAAAAAAAAAAAAAAAAAAAAX/"
    "xAAUEAEAAAAAAAAAAAAAAAAAAAAA/8QAFAEBAAAAAAAAAAAAAAAAAAAAAP/EABQRAQAAAAAAAAAAAAAAAAAAAAD/2gAMAwEAAhED"
    "EQA/AK4AP//Z"
)


def redact_file(redactor: Redactor, src: Path, dst: Path, kind: str | None = None) -> Path:
    """Write a redacted copy of ``src`` at ``dst`` (parents created); the source is left alone."""
    raw = Path(src).read_bytes()
    dst = Path(dst)
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_bytes(redact_blob(redactor, Path(src).name, raw, kind))
    return dst


def redact_blob(redactor: Redactor, name: str, raw: bytes, kind: str | None = None) -> bytes:
    """Redact one file's bytes according to its kind or, failing that, its name."""
    suffix = Path(name).suffix.lower()
    if kind == "screenshot" or suffix in _BINARY:
        return redactor.binary(raw)
    if raw[:4] == b"PK\x03\x04" or suffix == ".zip":
        return redact_zip(redactor, raw)
    if kind == "har" or suffix in (".har", ".json"):
        return _json_document(redactor, raw)
    return _lines(redactor, raw)


def redact_zip(redactor: Redactor, raw: bytes) -> bytes:
    """A zip (Playwright trace, HAR with attached bodies) member by member, names and order kept."""
    import io

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.is_dir():
                zout.writestr(info, b"")
                continue
            data = zin.read(info)
            new = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            new.compress_type = zipfile.ZIP_DEFLATED
            new.external_attr = info.external_attr
            zout.writestr(new, _member(redactor, info.filename, data))
    return out.getvalue()


def _member(redactor: Redactor, name: str, data: bytes) -> bytes:
    suffix = Path(name).suffix.lower()
    if Path(name).name.startswith("page@") and suffix in (".jpeg", ".jpg", ".png"):
        return _BLANK_JPEG
    if suffix in _JSON_LINES:
        return _lines(redactor, data)
    if suffix in (".har", ".json"):
        return _json_document(redactor, data)
    if suffix in _BINARY:
        return redactor.binary(data)
    if data[:4] == b"PK\x03\x04":
        return redact_zip(redactor, data)
    try:  # resources/<sha1>[.ext]: response bodies, posted data, snapshots' subresources
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return redactor.binary(data)
    return redactor.body(text).encode("utf-8")


def _json_document(redactor: Redactor, raw: bytes) -> bytes:
    try:
        doc: Any = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        return redactor.bytes(raw)
    return json.dumps(redactor.data(doc), ensure_ascii=False, indent=2).encode("utf-8")


def _lines(redactor: Redactor, raw: bytes) -> bytes:
    """JSON-lines stay one JSON value a line (the trace viewer splits on newlines); other lines are text."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return redactor.binary(raw)
    out = []
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped[:1] in ("{", "["):
            try:
                out.append(json.dumps(redactor.data(json.loads(stripped)), ensure_ascii=False, separators=(",", ":")))
                continue
            except ValueError:
                pass
        out.append(redactor.text(line))
    return "\n".join(out).encode("utf-8")
