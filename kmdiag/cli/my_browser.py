"""``--my-browser``: find the shopper's profile, say exactly what will be read, and get consent.

Consent is asked on the terminal (``--yes`` skips the question); without a terminal and without
``--yes`` kmdiag refuses, because nobody agreed. Nothing is copied here: the probe copies, into a
0700 temp dir that is deleted when the run ends.
"""

from __future__ import annotations

from typing import Any

from kmdiag.errors import UsageError
from kmdiag.i18n import T


def notice(loc: dict[str, Any], site: str) -> T:
    where = f"{loc['user_data_dir']} ({loc['profile']})"
    return T(
        zh=(f"kmdiag 将复制你的浏览器配置 {where} 中与 {site} 有关的部分到一个只有你能读的临时目录，"
            "在副本里打开商品页并与干净浏览器对比。会读取：该网站的缓存、Service Worker 与 IndexedDB 数据、"
            "Cookie、本地存储、浏览器设置和已启用的插件。不会读取：密码、自动填充、历史记录、书签、"
            "其他网站的 Cookie 和数据。不会上传任何内容；不会下单；正在运行的浏览器和原配置不会被改动；"
            "副本在检查结束（或中断）时删除。"),
        en=(f"kmdiag will copy the parts of your browser profile {where} that concern {site} into a temp dir "
            "only you can read, open the product page in that copy and compare it with a clean browser. Read: this "
            "site's cache, service-worker and IndexedDB data, cookies, local storage, the browser's preferences and "
            "enabled extensions. Never read: passwords, autofill, history, bookmarks, other sites' cookies and data. "
            "Nothing is uploaded; no order is placed; the running browser and the original profile are not changed; "
            "the copy is deleted when the check ends (or is interrupted)."))


def consent(browser: str | None, profile_dir: str | None, site: str, *, yes: bool, lang: str,
            stdin: Any = None, stderr: Any = None) -> dict[str, Any]:
    """The ``my_browser`` run option, after the shopper agreed; UsageError (exit 2) otherwise."""
    from kmdiag.browser.userprofile import BROWSERS, locate

    if browser is not None and browser not in BROWSERS:
        raise UsageError(f"--my-browser: '{browser}' is not one of {', '.join(BROWSERS)}")
    from kmdiag.cli.env import current

    stdin = stdin or current().inp  # the command's terminal (kmdiag.cli.env), unless handed in
    stderr = stderr or current().err
    loc = locate(browser, profile_dir)
    if not loc["exists"]:
        raise UsageError(f"no {loc['browser']} profile at {loc['user_data_dir']}",
                         hint="give the profile directory with --my-browser-profile DIR (chrome://version shows it)")
    print(notice(loc, site).get(lang), file=stderr)
    if not yes:
        if not (hasattr(stdin, "isatty") and stdin.isatty()):
            raise UsageError("--my-browser needs your consent: run it at a terminal, or add --yes",
                             hint="kmdiag order URL --my-browser --yes")
        print("继续吗？[y/N] " if lang == "zh" else "Go ahead? [y/N] ", end="", file=stderr, flush=True)
        answer = (stdin.readline() or "").strip().lower()
        if answer not in ("y", "yes", "是", "好"):
            raise UsageError("--my-browser: not agreed, nothing was read")
    return loc
