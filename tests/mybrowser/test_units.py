"""Profile locations, the minimal copy (what is copied, what never is), extension manifests, cookie
encryption schemes and the scratch dir's removal on SIGTERM — no browser needed."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kmdiag.browser import userprofile as up


@pytest.mark.parametrize(("browser", "system", "want"), [
    ("chrome", "Windows", r"C:\Users\a\AppData\Local\Google\Chrome\User Data"),
    ("msedge", "Windows", r"C:\Users\a\AppData\Local\Microsoft\Edge\User Data"),
    ("chromium", "Windows", r"C:\Users\a\AppData\Local\Chromium\User Data"),
    ("chrome", "Darwin", "/home/a/Library/Application Support/Google/Chrome"),
    ("msedge", "Darwin", "/home/a/Library/Application Support/Microsoft Edge"),
    ("chromium", "Linux", "/home/a/.config/chromium"),
    ("chrome", "Linux", "/home/a/.config/google-chrome"),
    ("msedge", "Linux", "/home/a/.config/microsoft-edge"),
])
def test_profile_locations(browser: str, system: str, want: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", "/home/a")
    env = {"LOCALAPPDATA": r"C:\Users\a\AppData\Local", "HOME": "/home/a"}
    assert str(up.default_dir(browser, system, env)).replace("/", "\\" if system == "Windows" else "/") == want


def _entry(path: Path, url: str, body: bytes = b"x") -> None:
    key = f"1/0/_dk_http://127.0.0.1 http://127.0.0.1 {url}".encode()
    path.write_bytes(struct.pack("<QIIII", 0xFCFB6D1BA7725C30, 5, len(key), 0, 0) + key + body)


def _profile(root: Path) -> Path:
    d = root / "udd" / "Default"
    (d / "Cache" / "Cache_Data").mkdir(parents=True)
    _entry(d / "Cache" / "Cache_Data" / "aaaa_0", "http://127.0.0.1:8000/static/app.js")
    _entry(d / "Cache" / "Cache_Data" / "bbbb_0", "https://bank.example/secret.js")
    (d / "Cache" / "Cache_Data" / "index").write_bytes(b"i")
    ext = d / "Extensions" / "abcdefghijklmnopabcdefghijklmnop" / "1.0_0"
    (ext / "_locales" / "en").mkdir(parents=True)
    (ext / "manifest.json").write_text(json.dumps({"name": "__MSG_appName__", "version": "1.0", "default_locale": "en",
                                                   "permissions": ["declarativeNetRequest"], "host_permissions": ["<all_urls>"]}))
    (ext / "_locales" / "en" / "messages.json").write_text(json.dumps({"appName": {"message": "AdBlock Test"}}))
    other = d / "Extensions" / "pppppppppppppppppppppppppppppppp" / "2.0"
    other.mkdir(parents=True)
    (other / "manifest.json").write_text(json.dumps({"name": "Bank Helper", "version": "2.0",
                                                     "content_scripts": [{"matches": ["https://bank.example/*"]}]}))
    prefs = {"extensions": {"settings": {
        "abcdefghijklmnopabcdefghijklmnop": {"location": 1, "path": "abcdefghijklmnopabcdefghijklmnop/1.0_0", "state": 1},
        "pppppppppppppppppppppppppppppppp": {"location": 1, "path": "pppppppppppppppppppppppppppppppp/2.0", "state": 1},
        "cccccccccccccccccccccccccccccccc": {"location": 5, "path": "/usr/lib/x"}}}}
    (d / "Preferences").write_text(json.dumps(prefs))
    for name in ("Login Data", "History", "Web Data", "Bookmarks"):
        (d / name).write_text("secret")
    (d / "IndexedDB" / "http_127.0.0.1_8000.indexeddb.leveldb").mkdir(parents=True)
    (d / "IndexedDB" / "https_bank.example_0.indexeddb.leveldb").mkdir(parents=True)
    (d / "IndexedDB" / "http_127.0.0.1_8000.indexeddb.leveldb" / "000001.log").write_text("mine")
    (d / "IndexedDB" / "https_bank.example_0.indexeddb.leveldb" / "000001.log").write_text("theirs")
    (root / "udd" / "SingletonLock").symlink_to("host-1234")
    (root / "udd" / "Last Version").write_text("120.0.6099.71\n")
    return root / "udd"


def test_copy_takes_only_the_shops_part(tmp_path: Path) -> None:
    udd = _profile(tmp_path)
    dest = tmp_path / "copy"
    res = up.copy_profile(udd, "Default", dest, "http://127.0.0.1:8000", "chromium")
    out = dest / "Default"
    assert (out / "Cache" / "Cache_Data" / "aaaa_0").is_file()
    assert not (out / "Cache" / "Cache_Data" / "bbbb_0").exists()  # another site's cache entry
    assert res["caches"]["Cache/Cache_Data"] == {"entries": 1, "skipped": 1, "bytes": (out / "Cache/Cache_Data/aaaa_0").stat().st_size}
    for name in ("Login Data", "History", "Web Data", "Bookmarks"):
        assert not (out / name).exists()
    assert (out / "IndexedDB" / "http_127.0.0.1_8000.indexeddb.leveldb").is_dir()
    assert not (out / "IndexedDB" / "https_bank.example_0.indexeddb.leveldb").exists()
    assert not (dest / "SingletonLock").exists() and up.running(udd)
    assert up.last_version(udd) == "120.0.6099.71"
    names = {e["name"]: e for e in res["extensions"]}
    assert set(names) == {"AdBlock Test", "Bank Helper"}  # the component extension is the browser's own
    assert up.touches(names["AdBlock Test"], "http://127.0.0.1:8000") and names["AdBlock Test"]["blocks"]
    assert not up.touches(names["Bank Helper"], "http://127.0.0.1:8000")


def test_cookie_schemes_only_for_the_shop(tmp_path: Path) -> None:
    d = tmp_path / "Default"
    d.mkdir()
    con = sqlite3.connect(d / "Cookies")
    con.execute("CREATE TABLE cookies (host_key TEXT, name TEXT, value TEXT, encrypted_value BLOB, is_persistent INT,"
                " expires_utc INT)")
    later = int((time.time() + 11644473600 + 86400) * 1_000_000)
    con.executemany("INSERT INTO cookies VALUES (?,?,?,?,?,?)", [
        ("shop.example", "a", "", b"v10xxxx", 1, later), (".shop.example", "b", "", b"v11yyyy", 1, later),
        ("shop.example", "s", "", b"v10zzzz", 0, 0), ("bank.example", "c", "", b"v11zzzz", 1, later)])
    con.commit()
    con.close()
    info = up.cookie_crypto(d, "shop.example")
    assert info["rows"] == 2 and info["schemes"] == {"v10": 1, "v11": 1}


def test_scratch_dir_is_removed_on_sigterm(tmp_path: Path) -> None:
    code = ("import sys, time; from kmdiag.browser import scratch; p = scratch.private_dir(); "
            "open(p / 'Cookies', 'w').write('x'); print(p, flush=True); time.sleep(30)")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    path = Path(proc.stdout.readline().strip())
    assert path.is_dir() and (path.stat().st_mode & 0o777) == 0o700
    proc.send_signal(signal.SIGTERM)
    proc.wait(10)
    assert not path.exists()
    assert proc.returncode == -signal.SIGTERM or proc.returncode != 0


def test_scratch_dir_is_removed_at_exit(tmp_path: Path) -> None:
    code = "from kmdiag.browser import scratch; p = scratch.private_dir(); print(p)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=20, env=os.environ)
    assert not Path(out.stdout.strip()).exists()


def test_locate_finds_the_last_used_profile(tmp_path: Path) -> None:
    udd = tmp_path / "google-chrome"
    (udd / "Profile 2").mkdir(parents=True)
    (udd / "Local State").write_text(json.dumps({"profile": {"last_used": "Profile 2"}}))
    env = {"XDG_CONFIG_HOME": str(tmp_path), "HOME": str(tmp_path)}
    loc = up.locate("chrome", None, "Linux", env)
    assert loc == {"browser": "chrome", "user_data_dir": str(udd), "profile": "Profile 2", "exists": True,
                   "explicit": False}
    assert up.locate(None, None, "Linux", env)["browser"] == "chrome"  # the first browser whose profile exists
    assert up.locate("msedge", None, "Linux", env)["exists"] is False


class _Tty:
    def __init__(self, answer: str) -> None:
        self.answer = answer

    def isatty(self) -> bool:
        return True

    def readline(self) -> str:
        return self.answer


def test_consent_asks_on_a_terminal(tmp_path: Path) -> None:
    import io

    from kmdiag.cli.my_browser import consent
    from kmdiag.errors import UsageError

    (tmp_path / "Default").mkdir()
    err = io.StringIO()
    loc = consent("chromium", str(tmp_path), "https://shop.example", yes=False, lang="zh", stdin=_Tty("y\n"), stderr=err)
    assert loc["user_data_dir"] == str(tmp_path)
    assert "不会读取：密码" in err.getvalue() and "[y/N]" in err.getvalue()
    with pytest.raises(UsageError, match="not agreed"):
        consent("chromium", str(tmp_path), "https://shop.example", yes=False, lang="en", stdin=_Tty("\n"),
                stderr=io.StringIO())
    with pytest.raises(UsageError, match="firefox"):
        consent("firefox", str(tmp_path), "x", yes=True, lang="en", stderr=io.StringIO())
