"""The shopper's session token: where it comes from, how it is sent, how it stays secret.

A platform's account API can only tell us about *this* user when it is called with the user's own
session, so the token is the one input the account layer cannot do without. It is a secret like a
password: it is read from an environment variable (the one the profile names, or ``--token-env``),
or typed at a hidden prompt, and it travels only inside ``ProbeContext.secrets`` and the run's
:class:`~kmdiag.redact.Redactor` — never on a command line, in a profile, in a measurement or in a log.

Both the CLI (which collects the token before the run) and the account probes (which send it)
use the helpers here, so they always agree on the variable's name.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from typing import Any

# The variable used when neither --token-env nor the profile names one (also the demo's).
DEFAULT_TOKEN_ENV = "KMDIAG_TOKEN"

# Environment variables that mean "a CI job is running": never stop to ask for anything there.
_CI_VARS = ("CI", "GITHUB_ACTIONS", "GITLAB_CI", "JENKINS_URL", "BUILDKITE", "TEAMCITY_VERSION")


def token_env_name(profile: Any, options: Mapping[str, Any] | None = None) -> str:
    """The variable holding the session token: ``--token-env`` > ``account.token_env`` > the default."""
    chosen = (options or {}).get("token_env")
    if chosen:
        return str(chosen)
    account = getattr(profile, "account", None)
    return getattr(account, "token_env", None) or DEFAULT_TOKEN_ENV


def auth_parts(send_as: Any, token: str) -> tuple[dict[str, str], dict[str, str]]:
    """(headers, cookies) that carry ``token`` the way the profile's ``send_as`` says."""
    headers: dict[str, str] = {}
    cookies: dict[str, str] = {}
    if getattr(send_as, "cookie", None):
        cookies[send_as.cookie] = token
    if getattr(send_as, "header", None):
        headers[send_as.header] = (send_as.template or "{token}").replace("{token}", token)
    if not headers and not cookies:  # a send_as with neither: the common default
        headers["Authorization"] = f"Bearer {token}"
    return headers, cookies


def admin_headers(profile: Any, secrets: Mapping[str, str]) -> dict[str, str]:
    """The platform admin API's auth (``payment.admin``) as headers; {} without the secret.

    Unlike the shopper's session, the admin template also shapes a cookie value, since admin panels
    often want ``name=prefix-token``. The single-order probes and the sweep both call this.
    """
    adm = profile.payment.admin
    token = secrets.get(adm.token_env or "") if adm.token_env else None
    if not token:
        return {}
    value = adm.send_as.template.replace("{token}", token)
    if adm.send_as.cookie:
        return {"Cookie": f"{adm.send_as.cookie}={value}"}
    return {adm.send_as.header or "X-Admin-Token": value}


def _interactive(environ: Mapping[str, str], fmt: str | None) -> bool:
    if fmt not in (None, "text"):
        return False  # machine-readable output: whoever reads it cannot answer a prompt
    if any(environ.get(v) for v in _CI_VARS):
        return False
    try:
        return sys.stdin.isatty() and sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def collect_token(
    profile: Any,
    environ: Mapping[str, str],
    options: Mapping[str, Any],
    *,
    fmt: str | None = None,
    layers: list[str] | None = None,
    demo: bool = False,
    lang: str = "en",
    command: str = "order",
    ask: Callable[[str], str] | None = None,
) -> dict[str, str]:
    """``{env name: token}`` for the run's secrets, or ``{}`` when there is none.

    The token comes from the environment first. Only when it is missing, the profile has an account
    endpoint, ``kmdiag order`` runs its account layer and a person is at the terminal (text output, stdin and stderr
    are terminals, no CI variable) do we ask for it at a hidden prompt (``getpass``: not echoed,
    not in shell history). Demo runs never ask: the demo signs itself in.
    """
    name = token_env_name(profile, options)
    value = environ.get(name)
    if value:
        return {name: value}
    account = getattr(profile, "account", None)
    if demo or command != "order" or account is None or not account.endpoint:
        return {}
    if layers is not None and "account" not in layers:
        return {}
    if ask is None:
        if not _interactive(environ, fmt):
            return {}
        import getpass

        def ask(prompt: str) -> str:
            return getpass.getpass(prompt, stream=sys.stderr)

    prompt = (
        f"粘贴你的登录会话令牌（{name}，输入不显示；直接回车跳过账户检查）: "
        if lang == "zh"
        else f"Paste your session token ({name}; input is hidden; Enter skips the account checks): "
    )
    try:
        typed = ask(prompt).strip()
    except (EOFError, OSError):  # Ctrl-C still aborts the run, as everywhere else
        return {}
    return {name: typed} if typed else {}


def browser_session(
    profile: Any, secrets: Mapping[str, str], options: Mapping[str, Any] | None = None
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """What a headless browser needs to be signed in as the shopper: (cookies, headers).

    ``cookies`` is in Playwright's ``BrowserContext.add_cookies`` form, scoped to the shop's origin
    (``url`` = ``base_url``, so the port does not matter and the cookie never goes to another host);
    ``headers`` is for a header-style session (``send_as.header``) and must only be added to requests
    for the shop's own origin (e.g. inside a ``page.route`` handler), never to every host.
    Both are empty when there is no token.
    """
    token = secrets.get(token_env_name(profile, options))
    if not token:
        return [], {}
    headers, cookies = auth_parts(profile.account.send_as, token)
    base = str(profile.base_url)
    secure = base.startswith("https://")
    jar = [{"name": k, "value": v, "url": base, "httpOnly": True, "secure": secure, "sameSite": "Lax"}
           for k, v in cookies.items()]
    return jar, headers
