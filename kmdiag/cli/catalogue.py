"""Catalogue commands: checks, causes, profiles, version."""

from __future__ import annotations

import json
import sys

from kmdiag.i18n import default_lang
from kmdiag.models import LAYERS


def list_checks(lang: str | None) -> int:
    from kmdiag import plugins, registry

    plugins.load_builtins()
    lang = lang or default_lang()
    for layer in LAYERS:
        specs = [c for c in registry.CHECKS.values() if c.layer == layer]
        if specs:
            print(layer)
            for c in sorted(specs, key=lambda c: c.id):
                print(f"  {c.id:<40} {c.title.get(lang)}  [{', '.join(c.commands)}]")
                if c.description is not None:  # what the check looks at (kmdiag/checks/_descriptions.py)
                    print(f"      {c.description.get(lang)}")
    return 0


def list_causes(lang: str | None, fmt: str | None) -> int:
    from kmdiag import plugins, registry

    plugins.load_builtins()
    lang = lang or default_lang()
    causes = sorted(registry.CAUSES.values(), key=lambda c: (c.commands[0], c.priority, c.id))
    if fmt == "json":
        print(json.dumps([{"id": c.id, "layer": c.layer, "commands": list(c.commands), "title": c.title.get(lang)}
                          for c in causes], ensure_ascii=False, indent=2))
        return 0
    for c in causes:
        print(f"{c.id:<36} {c.title.get(lang)}")
    return 0


def version(verbose: bool) -> int:
    """``kmdiag --version``; with ``-v`` also what a diagnosis would drive here (browsers, Playwright)."""
    from kmdiag import __version__

    print(f"kmdiag {__version__}")
    if verbose:
        import os
        import platform
        from importlib import metadata

        from kmdiag.browser.launcher import installed
        from kmdiag.browser.versions import installed_browsers
        from kmdiag.config import config_path

        try:
            pw = metadata.version("playwright")
        except metadata.PackageNotFoundError:
            pw = "not installed"
        print(f"python {platform.python_version()} on {platform.platform()}")
        print(f"playwright {pw}")
        found = installed_browsers()
        for b in found:
            print(f"{b['family']} {b['version']}  ({b['path']})")
        if not any(b["family"] == "chromium" for b in found):
            print("chromium -")
        names = installed(os.environ)
        print("--browser: " + (", ".join(names) if names else "(none installed; give a PATH)"))
        print(f"config: {config_path(os.environ)}")
    return 0


def _load(name_or_path: str):  # noqa: ANN202
    """Load a profile; a demo template (``{{placeholders}}``) is validated as the running demo fills it."""
    from pathlib import Path

    from kmdiag.profile.loader import builtin_profiles, load_profile, parse_profile

    path = builtin_profiles().get(name_or_path) if not Path(name_or_path).exists() else Path(name_or_path)
    try:
        text = path.read_text(encoding="utf-8") if path is not None and path.is_file() else None
    except (OSError, UnicodeDecodeError):
        text = None  # load_profile says what is wrong with it, with the file name
    if text is None or "{{" not in text:
        return load_profile(name_or_path)
    from kmdiag.demo.runtime import DemoShop

    demo = DemoShop().start()
    try:
        for k, v in demo.vars.items():
            text = text.replace("{{" + k + "}}", str(v))
        return parse_profile(text, str(path))
    finally:
        demo.stop()


def profiles_list() -> int:
    from kmdiag.profile.loader import builtin_profiles

    for name, path in builtin_profiles().items():
        try:
            p = _load(str(path))
            print(f"{name:<12} {p.title}  ({p.base_url})")
        except Exception as e:  # a broken built-in must still be listed
            print(f"{name:<12} INVALID: {e}")
    return 0


def profiles_show(name: str) -> int:
    import yaml

    p = _load(name)
    sys.stdout.write(yaml.safe_dump(p.model_dump(mode="json"), allow_unicode=True, sort_keys=False))
    return 0


def profiles_validate(paths: list[str]) -> int:
    from kmdiag.profile.loader import ProfileError

    bad = 0
    for path in paths:
        try:
            _load(path)
            print(f"{path}: ok")
        except ProfileError as e:
            bad += 1
            print(e.message, file=sys.stderr)
    return 2 if bad else 0


def profiles_schema() -> int:
    from kmdiag.profile.schema import Profile

    print(json.dumps(Profile.model_json_schema(), ensure_ascii=False, indent=2))
    return 0
