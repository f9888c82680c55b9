"""Load a profile by name or path, and turn every mistake into one clear line: file:line: what.

YAML is composed into nodes first so that a pydantic error location (``network.budgets.dns_ms``)
can be traced back to the line that holds it; unknown keys get a "did you mean" from the schema's
own field names.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ValidationError

from kmdiag.errors import KmdiagError
from kmdiag.profile.schema import Profile

PROFILE_DIRS = [Path(__file__).resolve().parent.parent / "profiles"]


class ProfileError(KmdiagError):
    """A profile could not be loaded; the message names file and line."""


def builtin_profiles() -> dict[str, Path]:
    out: dict[str, Path] = {}
    for d in PROFILE_DIRS:
        if d.is_dir():
            for p in sorted(d.glob("*.yaml")):
                out.setdefault(p.stem, p)
    return out


def load_profile(name_or_path: str) -> Profile:
    """A built-in profile by NAME, or a YAML file by PATH."""
    builtins = builtin_profiles()
    path = Path(name_or_path)
    if name_or_path in builtins and not path.exists():
        path = builtins[name_or_path]
    elif not path.exists():
        hint = difflib.get_close_matches(name_or_path, list(builtins), n=1)
        more = f" Did you mean '{hint[0]}'?" if hint else ""
        raise ProfileError(
            f"no profile named '{name_or_path}' and no such file.{more}",
            hint="built-in profiles: " + ", ".join(builtins) + " (kmdiag profiles list)",
        )
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfileError(f"{path}: cannot read: {exc}") from None
    return parse_profile(text, str(path))


def parse_profile(text: str, filename: str = "<profile>") -> Profile:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ProfileError(f"{filename}{line}: not valid YAML: {problem}") from None
    if not isinstance(data, dict):
        raise ProfileError(f"{filename}:1: a profile must be a mapping of keys (name, base_url, ...)")
    from kmdiag.profile.records_schema import DEPRECATIONS

    token = DEPRECATIONS.set([])
    try:
        prof = Profile.model_validate(data)
        for old, new in DEPRECATIONS.get() or []:
            _warn_once(filename, _line_of(root, ("payment", "provider", old)), old, new)
        return prof
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err.get("loc", ()))
        line = _line_of(root, loc)
        named = str(err.get("msg", "")).removeprefix("Value error, ").split(" ", 1)[0]
        if err.get("type") == "value_error" and re.fullmatch(r"[a-z][a-z0-9_]*", named):  # "md5_key_env belongs to ...": its own line
            line = _line_of(root, loc + (named,))
        where = ".".join(str(x) for x in loc) or "(top level)"
        msg = _message(err, loc)
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise ProfileError(f"{filename}:{line}: {where}: {msg}{more}") from None
    finally:
        DEPRECATIONS.reset(token)


_WARNED: set[tuple[str, str]] = set()


def _warn_once(filename: str, line: int, old: str, new: str) -> None:
    """An old key name still works for one release; say so once per file and key, on stderr."""
    if (filename, old) in _WARNED:
        return
    _WARNED.add((filename, old))
    import sys

    from kmdiag.i18n import T, default_lang

    text = T(zh=f"{filename}:{line}: 警告：payment.provider.{old} 已改名为 {new}（旧名称在下一个版本将不再支持）",
             en=f"{filename}:{line}: warning: payment.provider.{old} is now called {new} (the old name goes away in the next release)")
    print(text.get(default_lang()), file=sys.stderr)


def _message(err: dict[str, Any], loc: tuple[Any, ...]) -> str:
    kind = err.get("type", "")
    if kind == "extra_forbidden" and loc:
        known = _fields_at(loc[:-1])
        hint = difflib.get_close_matches(str(loc[-1]), known, n=1)
        did = f"; did you mean '{hint[0]}'? Expected" if hint else "; expected"
        return f"unknown key '{loc[-1]}'{did} one of: {', '.join(known)}"
    if kind == "missing":
        return "required but missing"
    if kind == "literal_error" and isinstance(err.get("input"), str):
        options = re.findall(r"'([^']*)'", str((err.get("ctx") or {}).get("expected", "")))
        hint = difflib.get_close_matches(err["input"], options, n=1)
        did = f"; did you mean '{hint[0]}'?" if hint else ""
        return f"'{err['input']}' is not one of {', '.join(options)}{did}"
    text = str(err.get("msg", "invalid value"))
    return text.removeprefix("Value error, ")


def _model_in(annotation: Any) -> Any:
    """The pydantic model an annotation holds: X, X | None, list[X], dict[str, X]."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for a in getattr(annotation, "__args__", ()) or ():
        m = _model_in(a)
        if m is not None:
            return m
    return None


def _fields_at(loc: tuple[Any, ...]) -> list[str]:
    """The keys allowed at ``loc`` (list indices and dict keys on the way are stepped over)."""
    model: Any = Profile
    for part in loc:
        if model is None:
            return []
        field = model.model_fields.get(str(part))
        if field is None:
            if isinstance(part, int) or part not in model.model_fields:
                continue  # a list index or a dict key inside the current field
            return []
        model = _model_in(field.annotation)
    return list(model.model_fields) if model is not None else []


def _line_of(node: Any, loc: tuple[Any, ...]) -> int:
    """The 1-based line of the deepest node along ``loc`` that exists."""
    line = node.start_mark.line + 1 if node is not None else 1
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            nxt = None
            for k, v in node.value:
                if str(k.value) == str(part):
                    line = k.start_mark.line + 1
                    nxt = v
                    break
            if nxt is None:
                return line
            node = nxt
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            return line
    return line


def profile_from_url(url: str, base: str = "generic") -> Profile:
    """A profile (``base``: NAME or PATH) pointed at ``url``: ``kmdiag order [--profile P] https://shop/...``.

    The URL's origin becomes ``base_url`` and every other URL on the profile's host follows it
    (:func:`reroot`); its path (and query), when there is one, becomes the product page. A bare
    origin keeps the profile's own ``product_url``.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ProfileError(f"'{url}' is not an http(s) URL", hint="e.g. kmdiag order https://your-shop/buy/1")
    return reroot(load_profile(base), url)


# -- re-rooting: every host of a profile follows the URL the user gave ---------------------------

_PLACEHOLDER = re.compile(r"(?:^|\.)example\.(?:com|net|org)$|\.example$|\.invalid$|^example$")


def is_placeholder(host: str | None) -> bool:
    """A documentation host (RFC 2606: example.com/.net/.org, *.example, *.invalid): never a real shop."""
    return bool(host) and bool(_PLACEHOLDER.search(str(host).lower().rstrip(".")))


def reroot(prof: Profile, url: str, *, keep_page: bool = False) -> Profile:
    """``prof`` pointed at the shop ``url``: base URL, notify URL, API, static and callback URLs all move.

    Every absolute URL on the profile's own host (``base_url``'s) gets the URL's scheme, host and
    port; every other placeholder host (``pay.example.com``) is dropped — a gateway kmdiag cannot
    know is left unset rather than contacted; hosts in ``network.hosts`` follow the same rule.
    Paths are untouched (they are relative to ``base_url``). The URL's path, when it has one,
    becomes the product page.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ProfileError(f"'{url}' is not an http(s) URL", hint="e.g. kmdiag order https://your-shop/item/1")
    old = urlsplit(prof.base_url)
    old_host = (old.hostname or "").lower()
    new_origin = f"{parts.scheme}://{parts.netloc}"

    def move(value: str) -> str | None:
        u = urlsplit(value)
        if u.scheme not in ("http", "https") or not u.netloc:
            return value
        host = (u.hostname or "").lower()
        if host == old_host:
            return new_origin + value[len(f"{u.scheme}://{u.netloc}"):]
        return None if is_placeholder(host) else value

    def walk(obj: Any, top: bool = True) -> Any:
        if isinstance(obj, dict):
            out = {}
            for k, v in obj.items():
                if k == "hosts" and isinstance(v, list):
                    out[k] = [parts.hostname if str(h).lower() == old_host else h for h in v
                              if str(h).lower() == old_host or not is_placeholder(str(h))]
                else:
                    out[k] = walk(v, False)
            return out
        if isinstance(obj, list):
            return [x for x in (walk(v, False) for v in obj) if x is not None]
        if isinstance(obj, str):
            return move(obj)
        return obj

    data = walk(prof.model_dump(mode="json", exclude_none=False))
    if not keep_page:  # a profile re-rooted onto its own base_url keeps it whole (a /shop/ prefix too)
        data["base_url"] = new_origin + "/"
    if not keep_page and (parts.path not in ("", "/") or parts.query):
        data.setdefault("order", {})["product_url"] = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        return Profile.model_validate(data)
    except ValidationError as exc:  # a required URL field held a placeholder of another host
        raise ProfileError(f"profile '{prof.name}' cannot follow {new_origin}: {exc.errors()[0].get('msg')}") from None


def require_rooted(prof: Profile, name: str, command: str = "order") -> Profile:
    """A profile still on a documentation host cannot be diagnosed: say which address is missing."""
    host = urlsplit(prof.base_url).hostname
    if is_placeholder(host):
        raise ProfileError(
            f"profile '{name}' names no shop address of its own: point it at your shop",
            hint=(f"kmdiag order --profile {name} https://YOUR-SHOP/item/1" if command == "order" else
                  f"copy it (kmdiag profiles show {name} > my-shop.yaml), set base_url and the gateway, "
                  f"then: kmdiag {command} ORDER_ID --profile my-shop.yaml"),
        )
    return reroot(prof, prof.base_url, keep_page=True)  # a placeholder left in a copied profile is dropped, never contacted
