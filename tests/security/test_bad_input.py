"""Bad input is exit 2 with one clear line; a hostile answer is data (a finding), never a crash."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kmdiag import safejson
from kmdiag.ids import InvalidURL, check_url

BAD_URLS = ["http://[oops/buy/1", "http://shop.example:99999/buy/1", "http://shop.example:0/", "http://shop.example:abc/",
            "http://sh\udcffop/", "http://a b/", "http://999.1.1.1/", "http://" + "a" * 70 + ".example/", "ftp://x/",
            "http://", "http://x\x00/", "http://" + "a" * 9000]


@pytest.mark.parametrize("url", BAD_URLS, ids=lambda u: repr(u[:30]))
def test_bad_url_is_exit_2_with_one_line(cli, url: str) -> None:
    code, out, err = cli("order", url, "--timeout", "2", "--format", "json")
    assert code == 2, (code, err)
    assert err.startswith("kmdiag: error:") and "Traceback" not in err and out == ""
    assert len(err.splitlines()[0]) < 400


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/buy/1", "https://[::1]/", "https://商店.example/buy?id=1",
                                 "http://shop.example/buy/a b"])
def test_good_urls_pass(url: str) -> None:
    assert check_url(url) == url


def test_url_error_is_a_value_error() -> None:
    with pytest.raises(InvalidURL):
        check_url("http://[oops/")


@pytest.mark.parametrize("doc", [
    "name: x\nbase_url: http://127.0.0.1/\nextra: " + "[" * 600 + "]" * 600 + "\n",
    "name: x\nbase_url: http://127.0.0.1/\na:" + "".join("\n" + "  " * i + "b:" for i in range(1, 500)) + " 1\n",
    "name: x\nbase_url: http://127.0.0.1/\nnetwork: " + "{a: " * 40 + "1" + "}" * 40 + "\n",
])
def test_deep_yaml_profile_is_a_profile_error(cli, tmp_path: Path, doc: str) -> None:
    p = tmp_path / "deep.yaml"
    p.write_text(doc)
    for args in (("payment", "KM1", "--profile", str(p)), ("profiles", "validate", str(p))):
        code, _out, err = cli(*args)
        assert code == 2 and "nested" in err and "Traceback" not in err, (code, err)


def test_bad_base_url_in_profile_is_exit_2(cli, tmp_path: Path) -> None:
    p = tmp_path / "p.yaml"
    p.write_text("name: x\nbase_url: 'http://127.0.0.1:99999/'\n")
    code, _out, err = cli("payment", "KM1", "--profile", str(p))
    assert code == 2 and "port" in err.lower(), err


@pytest.mark.parametrize("text", [b"[" * 900 + b"]" * 900, b'{"a":' * 900 + b"1" + b"}" * 900,
                                  b"[" * 100_000 + b"]" * 100_000])
def test_deep_json_is_a_value_error(text: bytes) -> None:
    with pytest.raises(ValueError, match="nested"):
        safejson.loads(text)


def test_lone_surrogates_are_repaired_pairs_kept() -> None:
    data = safejson.loads(b'{"a": "\\ud800x", "b": "\\udc80", "c": "\\ud83d\\ude00", "\\ud801": 1}')
    json.dumps(data, ensure_ascii=False).encode("utf-8")  # writable as UTF-8
    assert data["c"] == "\U0001F600" and data["a"].endswith("x")


def test_clip_cuts_deep_measurements_without_copying_normal_ones() -> None:
    deep: list = []
    cur = deep
    for _ in range(500):
        cur.append([])
        cur = cur[0]
    normal = {"a": [1, {"b": "c"}]}
    assert safejson.clip(normal) is normal
    clipped = safejson.clip({"x": deep})
    assert not safejson.depth_exceeds(clipped) and safejson.CLIPPED in json.dumps(clipped)
