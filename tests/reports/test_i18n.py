"""Every user-facing string of the catalogue exists in Chinese and English, and both say the same thing.

Enumerates the registry (check titles and descriptions; cause titles, explanations and next
steps) and the demo faults, so a string added tomorrow by any layer is checked without touching
this file. A pair must be non-empty in both halves, the Chinese half must be Chinese, the halves
must differ, and both must take the same ``{placeholders}`` (``{x_zh}`` and ``{x_en}`` count as
the same placeholder: a parameter that is itself bilingual).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from kmdiag.i18n import T

CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef]")
_PH = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(?:[!:][^}]*)?\}")


def placeholders(text: str) -> set[str]:
    return {re.sub(r"_(zh|en)$", "", m) for m in _PH.findall(text)}


def only_placeholders(text: str) -> bool:
    return not re.sub(r"[\s\W]", "", _PH.sub("", text))


def catalogue() -> Iterator[tuple[str, T]]:
    from kmdiag import plugins, registry
    from kmdiag.demo.faults import FAULTS
    from kmdiag.demo.runtime import load_modules

    plugins.load_builtins()
    load_modules()
    for c in registry.CHECKS.values():
        yield f"check {c.id} title", c.title
        if c.description is not None:
            yield f"check {c.id} description", c.description
    for k in registry.CAUSES.values():
        yield f"cause {k.id} title", k.title
        yield f"cause {k.id} explanation", k.explanation
        for i, s in enumerate(k.steps):
            yield f"cause {k.id} step {i} ({s.audience})", s.text
    for key, f in FAULTS.items():
        yield f"demo fault {key} description", f.description


def test_catalogue_is_not_empty_and_steps_name_an_audience() -> None:
    from kmdiag import registry

    items = list(catalogue())
    assert len(items) > 0
    for k in registry.CAUSES.values():
        assert k.steps, f"cause {k.id} has no next step"
        for s in k.steps:
            assert s.audience in ("user", "agent", "operator"), (k.id, s.audience)


def test_every_string_is_bilingual() -> None:
    problems = []
    for where, t in catalogue():
        if not isinstance(t, T):
            problems.append(f"{where}: not a T pair: {t!r}")
            continue
        zh, en = t.zh.strip(), t.en.strip()
        if not zh or not en:
            problems.append(f"{where}: empty half: {t!r}")
            continue
        if placeholders(zh) != placeholders(en):
            problems.append(f"{where}: placeholders differ: zh {sorted(placeholders(zh))} en {sorted(placeholders(en))}")
        if only_placeholders(zh) and only_placeholders(en):
            if not all(p.endswith(("_zh", "_en")) for p in _PH.findall(zh + en)):
                problems.append(f"{where}: only placeholders, and not language ones: {t!r}")
            continue
        if not CJK.search(zh):
            problems.append(f"{where}: the Chinese half has no Chinese: {zh!r}")
        if zh == en:
            problems.append(f"{where}: both halves are the same: {zh!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("text,expected", [("{a} and {b_zh}", {"a", "b"}), ("{x:.0%}", {"x"}), ("none", set())])
def test_placeholder_parsing(text: str, expected: set[str]) -> None:
    assert placeholders(text) == expected
