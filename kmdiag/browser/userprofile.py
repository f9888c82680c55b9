"""Where the shopper's own browser keeps its profile, and a minimal private copy of it.

``kmdiag order --my-browser`` runs the page check in a *copy* of the shopper's profile: the
running browser and the original files are never opened for writing. Only what can change how
the shop's page behaves is copied (the shop's cache entries, its service-worker caches and
IndexedDB, cookies, local storage, preferences and enabled extensions); passwords, autofill,
history, bookmarks and sessions are never copied or read. Nothing here launches a browser.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import sqlite3
import struct
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

# browser -> OS -> user-data dir (``~`` and ``%VAR%`` expanded). Documented in docs/browser.md.
LOCATIONS: dict[str, dict[str, str]] = {
    "chrome": {"Windows": r"%LOCALAPPDATA%\Google\Chrome\User Data",
               "Darwin": "~/Library/Application Support/Google/Chrome",
               "Linux": "~/.config/google-chrome"},
    "msedge": {"Windows": r"%LOCALAPPDATA%\Microsoft\Edge\User Data",
               "Darwin": "~/Library/Application Support/Microsoft Edge",
               "Linux": "~/.config/microsoft-edge"},
    "chromium": {"Windows": r"%LOCALAPPDATA%\Chromium\User Data",
                 "Darwin": "~/Library/Application Support/Chromium",
                 "Linux": "~/.config/chromium"},
}
# On Linux the disk cache lives under XDG_CACHE_HOME, not beside the profile.
LINUX_CACHE = {"chrome": "google-chrome", "msedge": "microsoft-edge", "chromium": "chromium"}
BROWSERS = tuple(LOCATIONS)

# Files of the profile dir copied whole (small; the browser needs them to start the profile as it is).
PROFILE_FILES = ("Preferences", "Secure Preferences", "Cookies", "Cookies-journal")
# Directories copied whole: not separable by site, and small. Their other sites' values are never read.
PROFILE_DIRS = ("Local Storage", "Extension State", "Extension Rules", "Service Worker/Database",
                "Service Worker/ScriptCache")
# Never copied, never read: what a profile holds that has nothing to do with one shop's page.
NEVER = ("Login Data", "Login Data For Account", "Web Data", "Account Web Data", "History", "Bookmarks",
         "Favicons", "Sessions", "Top Sites", "Sync Data", "Shortcuts", "Visited Links")
LOCKS = ("SingletonLock", "SingletonCookie", "SingletonSocket", "lockfile")
_SIMPLE_MAGIC = 0xFCFB6D1BA7725C30
_MAX_ENTRY = 32 * 1024 * 1024  # a cache entry bigger than this is not one of the shop's scripts


def system_name(system: str | None = None) -> str:
    s = system or platform.system()
    return s if s in ("Windows", "Darwin") else "Linux"


def default_dir(browser: str, system: str | None = None, environ: Mapping[str, str] | None = None) -> Path:
    """The user-data dir the browser uses by default on this OS (it may not exist)."""
    env = dict(environ if environ is not None else os.environ)
    raw = LOCATIONS[browser][system_name(system)]
    for k, v in env.items():
        raw = raw.replace(f"%{k}%", v)
    if system_name(system) == "Linux" and env.get("XDG_CONFIG_HOME"):
        raw = raw.replace("~/.config", env["XDG_CONFIG_HOME"])
    return Path(os.path.expanduser(raw))


def locate(browser: str | None, explicit: str | None, system: str | None = None,
           environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Which user-data dir and profile to copy: ``--my-browser-profile``, else the first that exists."""
    if explicit:
        udd = Path(explicit).expanduser()
        if (udd / "Preferences").is_file() and not (udd / "Default").is_dir():  # a profile dir was given
            return {"browser": browser or "chromium", "user_data_dir": str(udd.parent), "profile": udd.name,
                    "exists": True, "explicit": True}
        return {"browser": browser or "chromium", "user_data_dir": str(udd), "profile": last_profile(udd),
                "exists": udd.is_dir(), "explicit": True}
    for b in ([browser] if browser else list(BROWSERS)):
        udd = default_dir(b, system, environ)
        if udd.is_dir():
            return {"browser": b, "user_data_dir": str(udd), "profile": last_profile(udd), "exists": True,
                    "explicit": False}
    b = browser or "chrome"
    return {"browser": b, "user_data_dir": str(default_dir(b, system, environ)), "profile": "Default",
            "exists": False, "explicit": False}


def last_profile(udd: Path) -> str:
    """The profile the shopper used last (``Local State`` → profile.last_used), else ``Default``."""
    try:
        state = json.loads((udd / "Local State").read_text(encoding="utf-8"))
        name = state.get("profile", {}).get("last_used")
        if isinstance(name, str) and name and (udd / name).is_dir() and "/" not in name and "\\" not in name:
            return name
    except (OSError, ValueError, AttributeError):
        pass
    return "Default"


def running(udd: Path) -> bool:
    """Whether a browser holds the profile now (its SingletonLock / lockfile is there)."""
    return any(os.path.lexists(udd / n) for n in LOCKS)


def cache_key(path: Path) -> str | None:
    """The URL key of one simple-cache entry file (``<hash>_0``), read from its header only."""
    try:
        with path.open("rb") as fh:
            head = fh.read(24)
            if len(head) < 24:
                return None
            magic, _version, key_len, _hash = struct.unpack("<QIII", head[:20])
            if magic != _SIMPLE_MAGIC or not 0 < key_len < 8192:
                return None
            return fh.read(key_len).decode("utf-8", "replace")
    except OSError:
        return None


def _key_origin(key: str) -> str:
    """``1/0/_dk_<site> <site> <url>`` → the URL's origin (the last token is the resource URL)."""
    url = key.rsplit(" ", 1)[-1]
    p = urlsplit(url)
    return f"{p.scheme}://{p.netloc}" if p.scheme else ""


def copy_cache(src: Path, dest: Path, origin: str) -> dict[str, int]:
    """Copy only the shop's entries of a simple cache (the index is rebuilt by the browser)."""
    stats = {"entries": 0, "skipped": 0, "bytes": 0}
    if not src.is_dir():
        return stats
    dest.mkdir(parents=True, exist_ok=True)
    for f in src.iterdir():
        if not f.is_file() or "_" not in f.name or f.name.startswith("index"):
            continue
        stem = f.name.rsplit("_", 1)[0]
        key = cache_key(src / f"{stem}_0")
        if key is None or _key_origin(key) != origin or f.stat().st_size > _MAX_ENTRY:
            stats["skipped"] += f.name.endswith("_0")
            continue
        shutil.copy2(f, dest / f.name)
        stats["entries"] += f.name.endswith("_0")
        stats["bytes"] += f.stat().st_size
    return stats


def _copy_dir(src: Path, dest: Path) -> int:
    if not src.is_dir():
        return 0
    shutil.copytree(src, dest, ignore=shutil.ignore_patterns(*LOCKS), dirs_exist_ok=True)
    return sum(p.stat().st_size for p in dest.rglob("*") if p.is_file())


def _storage_name(origin: str) -> str:
    p = urlsplit(origin)
    port = p.port or (443 if p.scheme == "https" else 80)
    return f"{p.scheme}_{p.hostname}_{port}"


def copy_profile(udd: Path, profile: str, dest: Path, origin: str, browser: str,
                 environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Copy what the page check needs into ``dest`` (a private dir); return what was copied.

    Raises ``OSError`` when the profile cannot be read (permissions, a file locked by Windows).
    """
    src = udd / profile
    if not (src / "Preferences").is_file():
        raise FileNotFoundError(f"no browser profile at {src}")
    out = dest / "Default"  # the copy always opens as the default profile
    out.mkdir(parents=True, exist_ok=True)
    copied: list[str] = []
    for name in ("Local State", "Last Version"):
        if (udd / name).is_file():
            shutil.copy2(udd / name, dest / name)
    for name in PROFILE_FILES:
        if (src / name).is_file():
            shutil.copy2(src / name, out / name)
            copied.append(name)
    if (src / "Network" / "Cookies").is_file():  # newer Chrome on Windows keeps cookies here
        (out / "Network").mkdir(exist_ok=True)
        shutil.copy2(src / "Network" / "Cookies", out / "Network" / "Cookies")
        copied.append("Network/Cookies")
    for name in PROFILE_DIRS:
        if _copy_dir(src / name, out / name):
            copied.append(name)
    # Site-separable stores: only the shop's own directories.
    site = _storage_name(origin)
    idb = src / "IndexedDB"
    if idb.is_dir():
        for d in idb.iterdir():
            if d.name.startswith(site + "."):
                _copy_dir(d, out / "IndexedDB" / d.name)
                copied.append(f"IndexedDB/{d.name}")
    cs = src / "Service Worker" / "CacheStorage"
    if cs.is_dir():
        for d in cs.iterdir():
            idx = d / "index.txt"
            try:
                mine = idx.is_file() and origin.encode() in idx.read_bytes()[:65536]
            except OSError:
                mine = False
            if mine:
                _copy_dir(d, out / "Service Worker" / "CacheStorage" / d.name)
                copied.append("Service Worker/CacheStorage (this shop)")
    caches: dict[str, Any] = {}
    cache_root = src
    env = dict(environ if environ is not None else os.environ)
    if system_name() == "Linux" and not (src / "Cache").is_dir():
        xdg = Path(env.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"))
        cache_root = xdg / LINUX_CACHE.get(browser, browser) / profile
    for sub in ("Cache/Cache_Data", "Code Cache/js", "Code Cache/wasm"):
        caches[sub] = copy_cache(cache_root / sub, out / sub, origin)
    return {"copied": copied, "caches": caches, "extensions": copy_extensions(src, out)}


def _prefs(profile_dir: Path) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for name in ("Preferences", "Secure Preferences"):
        try:
            data = json.loads((profile_dir / name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        for ext_id, s in ((data.get("extensions") or {}).get("settings") or {}).items():
            if isinstance(s, dict):
                merged.setdefault(ext_id, {}).update(s)
    return merged


def _message(ext_dir: Path, value: str, default_locale: str | None) -> str:
    """``__MSG_name__`` manifest strings resolved from _locales (en, then the default locale)."""
    if not value.startswith("__MSG_") or not value.endswith("__"):
        return value
    key = value[6:-2].lower()
    for loc in ("en", default_locale or "", "zh_CN"):
        try:
            msgs = json.loads((ext_dir / "_locales" / loc / "messages.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        for k, v in msgs.items():
            if k.lower() == key and isinstance(v, dict):
                return str(v.get("message", value))
    return value


def copy_extensions(src: Path, out: Path) -> list[dict[str, Any]]:
    """The profile's enabled extensions (not the browser's own components), each copied into ``out``."""
    found = []
    for ext_id, s in sorted(_prefs(src).items()):
        loc = s.get("location")
        if loc in (5, 10) or s.get("state") == 0 or s.get("disable_reasons"):  # component / disabled
            continue
        raw = s.get("path")
        if not isinstance(raw, str) or not raw:
            continue
        path = Path(raw) if os.path.isabs(raw) else src / "Extensions" / raw
        try:
            manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8-sig"))
        except (OSError, ValueError):
            continue
        # Beside the profile, not in its Extensions/ (where the copied Preferences expect versioned dirs):
        # the copy loads exactly these with --load-extension and nothing else.
        dest = out.parent / "extensions" / ext_id
        try:
            _copy_dir(path, dest)
        except OSError:
            continue
        perms = [str(p) for p in (manifest.get("permissions") or []) + (manifest.get("host_permissions") or [])]
        scripts = [m for cs in manifest.get("content_scripts") or [] for m in cs.get("matches") or []]
        found.append({"id": ext_id, "name": _message(path, str(manifest.get("name", ext_id)), manifest.get("default_locale")),
                      "version": str(manifest.get("version", "")), "path": str(dest),
                      "blocks": any(p.startswith(("declarativeNetRequest", "webRequestBlocking")) for p in perms)
                      or bool(manifest.get("declarative_net_request")),
                      "hosts": perms + scripts})
    return found


def touches(ext: dict[str, Any], origin: str) -> bool:
    """Whether an extension's manifest lets it act on the shop's pages."""
    host = urlsplit(origin).hostname or ""
    for pat in ext.get("hosts") or []:
        if pat in ("<all_urls>", "*://*/*", "http://*/*", "https://*/*") or (host and host in pat):
            return True
    return False


def cookie_crypto(profile_dir: Path, host: str) -> dict[str, Any]:
    """How the shop's cookies are encrypted in the copy (only the shop's rows are looked at).

    ``v10`` on Linux is Chromium's fixed "peanuts" key (a copy decrypts it); ``v11`` on Linux is
    the desktop keyring, on Windows ``v20`` is app-bound encryption: a copy may not decrypt those.
    """
    db = profile_dir / "Cookies"
    if not db.is_file():
        db = profile_dir / "Network" / "Cookies"
    if not db.is_file():
        return {"rows": 0, "schemes": {}}
    hosts = {host, "." + host}
    parts = host.split(".")
    hosts |= {"." + ".".join(parts[i:]) for i in range(1, max(1, len(parts) - 1))}
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1.0)
        try:
            marks = ",".join("?" * len(hosts))
            # Only cookies the browser keeps across a restart (persistent, not expired): session cookies
            # are dropped when a browser starts, in the copy as in the shopper's own.
            now = int((time.time() + 11644473600) * 1_000_000)  # Chrome's clock: microseconds since 1601
            q = ("SELECT substr(encrypted_value, 1, 3), length(value) FROM cookies WHERE host_key IN "
                 f"({marks}) AND is_persistent = 1 AND expires_utc > ?")
            rows = con.execute(q, [*sorted(hosts), now]).fetchall()
        finally:
            con.close()
    except sqlite3.Error as exc:
        return {"rows": 0, "schemes": {}, "error": str(exc)[:120]}
    schemes: dict[str, int] = {}
    for prefix, plain_len in rows:
        key = prefix.decode("latin-1") if isinstance(prefix, bytes) and prefix[:1] == b"v" else (
            "plain" if plain_len else "other")
        schemes[key] = schemes.get(key, 0) + 1
    system = system_name()
    unreadable = sum(n for k, n in schemes.items() if (system == "Linux" and k == "v11") or k == "v20")
    return {"rows": len(rows), "schemes": schemes, "maybe_unreadable": unreadable}


def last_version(udd: Path) -> str | None:
    """The version of the browser that last opened this profile (its own ``Last Version`` file)."""
    try:
        text = (udd / "Last Version").read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return text[:40] or None
