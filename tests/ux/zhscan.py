"""Find English left in Chinese output.

What may stay ASCII in zh text: ids (``frontend.script-error``), URLs, paths, host names, numbers
with units (``ms``, ``KB``), HTTP methods and status lines, environment variables and command
lines, text the target itself said (quoted in 「」 or “”), and the product / protocol names below.
Everything else made of Latin letters is an untranslated word. ASCII ``:`` ``,`` ``(`` ``)`` next
to Chinese characters are half-width punctuation in Chinese text.
"""

from __future__ import annotations

import re

KNOWN = {
    # products, protocols, formats, vendors
    "kmdiag", "chromium", "chrome", "edge", "msedge", "firefox", "safari", "playwright", "dns", "tls", "ssl", "http",
    "https", "json", "junit", "html", "markdown", "har", "tcp", "udp", "ip", "ipv4", "ipv6", "api", "cdn", "vpn",
    "wi-fi", "wifi", "url", "csp", "cors", "js", "javascript", "css", "id", "ok", "sdk", "rsa", "rsa2", "md5",
    "sha256", "aes", "gcm", "apiv3", "v3", "socks", "socks5", "proxy", "nginx", "waf", "cron", "dnsmasq",
    "alipay", "wechat", "wechatpay", "epay", "dujiaoka", "acg-faka", "acg", "faka", "yipay", "gateway",
    "ttfb", "p50", "p95", "p99", "nxdomain", "servfail", "noerror", "ca", "sni", "cn", "san", "pem", "cookie",
    "token", "ctrl", "shift", "delete", "f5", "tab", "enter", "4g", "5g", "qq", "notify", "retry-after",
    "user-agent", "get", "post", "put", "options", "head", "patch", "trade_no", "out_trade_no", "sign", "utc",
    "gmt", "trace", "zip", "png", "yaml", "toml", "xdg_config_home", "pointer-events", "z-index", "div", "iframe",
    "button", "input", "form", "localhost", "loopback", "mitm", "oauth", "jwt", "bearer", "authorization",
    "x-forwarded-for", "ssh", "os", "pc", "ui", "demo", "captcha", "recaptcha", "hcaptcha", "geetest", "kyc", "ns", "mx", "cname", "aaaa", "supervisor", "php", "php-fpm", "fpm", "laravel", "redis", "mysql",
    "web", "windows", "macos", "linux", "android", "ios", "iphone", "debian", "ubuntu",
}
UNITS = {"ms", "s", "kb", "mb", "gb", "kib", "mib", "x"}

_STRIP = [
    re.compile(r"「[^」]*」|“[^”]*”|‘[^’]*’|《[^》]*》|`[^`]*`|\"[^\"]*\"|'[^'\n]*'"),  # the target's own words, code
    re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s，。；、）」]+"),  # URLs
    re.compile(r"(?<![\w./-])kmdiag(?: [^\s，。；、（）「」]+)*"),  # kmdiag command lines
    re.compile(r"\b[\w.-]+(?:\?[\w.-]+)?=[^\s，。；、）」]*"),  # key=value data (code=500, cron.php?do=notify)
    re.compile(r"(?<![\w.])(?:~|\.{1,2})?/[\w./@%+~:-]*"),  # paths
    re.compile(r"\[[a-z]+(?:\.[a-z0-9_-]+)+\]"),  # [cause.id]
    re.compile(r"\b[a-z]+(?:\.[a-z0-9]+(?:[-_][a-z0-9]+)*)+\b"),  # dotted ids and host names
    re.compile(r"\b[A-Z][A-Z0-9_]{2,}\b"),  # ENV_VARS, CONSTANTS, protocol words in capitals
    re.compile(r"--?[a-z][\w-]*"),  # command-line options
    re.compile(r"\b[\w.+-]+@[\w.-]+\b"),  # e-mail
    re.compile(r"#[\w-]+"),  # CSS ids
    re.compile(r"\b\w*\d\w*\b"),  # anything with a digit: numbers, order ids, versions, hashes
    re.compile(r"\*+"),
]
_WORD = re.compile(r"[A-Za-z][A-Za-z_'-]*[A-Za-z]|[A-Za-z]")
_CJK = "\u3400-\u9fff\uf900-\ufaff"
_HALF = re.compile(rf"(?<=[{_CJK}])[:,()]|[:,()](?=[{_CJK}])")


def leftover_words(text: str) -> list[str]:
    """ASCII words in Chinese output that are not allowed to stay English."""
    bad: list[str] = []
    for line in text.splitlines():
        if line.startswith("kmdiag "):  # the header names command, profile and target
            continue
        s = line
        for rx in _STRIP:
            s = rx.sub(" ", s)
        for w in _WORD.findall(s):
            lw = w.lower().strip("'-")
            if lw in KNOWN or lw in UNITS or len(lw) <= 1:
                continue
            bad.append(f"{w!r} in: {line.strip()}")
    return bad


def half_width_punctuation(text: str) -> list[str]:
    """ASCII ``:`` ``,`` ``(`` ``)`` touching Chinese characters (quoted target text excepted)."""
    out = []
    for line in text.splitlines():
        s = _STRIP[0].sub("「」", line)
        s = _STRIP[1].sub(" ", s)
        if _HALF.search(s):
            out.append(line.strip())
    return out
