"""Phone numbers written with separators are masked too; order numbers and epochs are not."""

from __future__ import annotations

import pytest

from kmdiag.redact import mask_phone


@pytest.mark.parametrize("raw, masked", [
    ("138-0013-8000", "138-****-8000"),
    ("138 0013 8000", "138 **** 8000"),
    ("+86 138-0013-8000", "+86 138-****-8000"),
])
def test_separated_phone_numbers_are_masked(raw: str, masked: str) -> None:
    assert mask_phone(raw) == masked


@pytest.mark.parametrize("keep", ["KM20261125000001", "2024010112000012345", "1764072000000", "2026-11-25 13:50:00"])
def test_ids_and_times_are_kept(keep: str) -> None:
    assert mask_phone(keep) == keep
