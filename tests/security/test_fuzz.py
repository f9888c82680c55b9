"""Fuzz tests with a fixed, small budget (derandomized: the same cases every run, a few seconds).

benchmarks/fuzz.py runs the same properties with a large budget; its figures are in docs/reliability.md.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.security import fuzz_props as fp

BUDGET = settings(max_examples=120, deadline=None, derandomize=True, database=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


@BUDGET
@given(st.one_of(fp.YAML, st.text(max_size=300)))
def test_profile_loader(text: str) -> None:
    fp.check_profile(text)


@BUDGET
@given(fp.LOGS, st.sampled_from(["auto", "combined", "laravel", "acg-faka"]))
def test_log_formats(data: bytes, fmt: str) -> None:
    fp.check_logs(data, fmt)


@BUDGET
@given(fp.PARAMS, fp.JSONISH, st.one_of(st.binary(max_size=200), fp.JSONISH.map(lambda x: repr(x).encode())))
def test_callback_parsers(params: dict, record: object, body: bytes) -> None:
    fp.check_callbacks(params, record, body)


@BUDGET
@given(fp.IDS)
def test_order_ids(value: str) -> None:
    fp.check_id(value)


@BUDGET
@given(fp.URLS)
def test_urls(value: str) -> None:
    fp.check_url(value)


@BUDGET
@given(fp.SECRETS, st.text(max_size=30), st.text(max_size=30), st.sampled_from(["raw", "url", "plus", "json"]))
def test_redaction(secret: str, before: str, after: str, how: str) -> None:
    fp.check_redaction(secret, before, after, how)
