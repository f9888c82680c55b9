"""Profiles: every built-in validates; mistakes give one file:line line and exit code 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from kmdiag.profile.loader import ProfileError, builtin_profiles, load_profile, parse_profile


def test_builtin_profiles_validate() -> None:
    names = builtin_profiles()
    assert {"demo", "generic"} <= set(names)
    for name, path in names.items():
        if name == "demo":
            continue  # a template: filled with ports by the running demo
        assert load_profile(str(path)).name


@pytest.mark.parametrize(
    "text, line, words",
    [
        ("name: x\nbase_url: https://a/\nnetwork:\n  trusted_resolverz: []\n", 4, ["trusted_resolverz", "did you mean 'trusted_resolvers'"]),
        ("name: x\nbase_url: ftp://a/\n", 2, ["base_url", "http"]),
        ("name: x\nbase_url: https://a/\nnetwork:\n  budgets:\n    dns_ms: lots\n", 5, ["dns_ms", "integer"]),
        ("name: x\nbase_url: [unclosed\n", 3, ["not valid YAML"]),
        ("base_url: https://a/\n", 1, ["name", "required"]),
        ("- just\n- a list\n", 1, ["mapping"]),
    ],
)
def test_profile_errors_name_file_and_line(text: str, line: int, words: list[str]) -> None:
    with pytest.raises(ProfileError) as e:
        parse_profile(text, "bad.yaml")
    msg = e.value.message
    assert msg.startswith(f"bad.yaml:{line}:"), msg
    assert "\n" not in msg
    for w in words:
        assert w in msg


def test_demo_template_validates_through_the_cli(cli) -> None:
    code, out, err = cli("profiles", "validate", "demo")
    assert code == 0, err


def test_validate_command_exit_codes(tmp_path: Path, cli) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nbase_url: https://a/\norder:\n  buton: '#b'\n", encoding="utf-8")
    code, out, err = cli("profiles", "validate", str(bad))
    assert code == 2
    assert f"{bad}:4:" in err and "did you mean 'button'" in err
    code, out, err = cli("profiles", "validate", "generic")
    assert code == 0


def test_order_with_bad_profile_exits_2(tmp_path: Path, cli) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nbase_url: https://a/\nplatfrom: {}\n", encoding="utf-8")
    code, out, err = cli("order", "--profile", str(bad))
    assert code == 2
    assert f"{bad}:3:" in err and "Traceback" not in err + out


def test_unknown_profile_name_suggests(cli) -> None:
    code, out, err = cli("order", "--profile", "dem")
    assert code == 2 and "did you mean 'demo'" in err.lower()


def test_schema_command_prints_json_schema(cli) -> None:
    import json

    code, out, err = cli("profiles", "schema")
    assert code == 0
    schema = json.loads(out)
    assert "network" in schema["properties"] and "payment" in schema["properties"]


def test_undecodable_file_that_looks_like_a_template_exits_2(tmp_path: Path, cli) -> None:
    """Binary garbage that happens to contain "{{" is still just an unreadable profile."""
    bad = tmp_path / "garbage.yaml"
    bad.write_bytes(b"\xff\xfe{{not a profile\x00")
    for cmd in ("show", "validate"):
        code, out, err = cli("profiles", cmd, str(bad))
        assert code == 2 and str(bad) in err and "Traceback" not in out + err


def test_url_points_any_profile_at_the_shop() -> None:
    from kmdiag.profile.loader import profile_from_url

    p = profile_from_url("https://shop.example.org:8443/item/7?sku=2", base="acg-faka")
    assert p.base_url == "https://shop.example.org:8443/" and p.order.product_url == "/item/7?sku=2"
    kept = profile_from_url("https://shop.example.org/", base="dujiaoka")
    assert kept.order.product_url == load_profile("dujiaoka").order.product_url  # a bare origin keeps the page
    with pytest.raises(ProfileError):
        profile_from_url("ftp://shop.example.org/", base="generic")
