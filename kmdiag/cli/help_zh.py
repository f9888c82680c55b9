"""``--help`` in Chinese: under a zh locale (``LANG=zh_CN.UTF-8``) or with ``--lang zh``.

The commands are written with English help (one source of truth next to each option); at start-up,
when the language is Chinese, :func:`translate` swaps every help text of the click command tree for
its translation below, and :func:`framework` makes click/typer's own words (Usage, Options, default,
required...) Chinese for the duration of the call. Nothing heavy is imported: ``kmdiag --help``
stays as fast as before. A help text with no translation stays English, and
tests/ux/test_cli_conventions.py names it, so a new option cannot slip in untranslated.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

ZH: dict[str, str] = {
    "A doctor for virtual-goods shops (卡盟 / 发卡): why the order button does nothing (order), why a paid order is still pending (payment).":
        "卡盟 / 发卡商城诊断工具：下单按钮点了没反应（order），付款后订单仍未到账（payment）。",
    "Print the version and exit (with -v: Chromium, Playwright, Python).": "显示版本后退出（加 -v：同时显示 Chromium、Playwright、Python 版本）。",
    "With --version: the browsers and Playwright too.": "与 --version 一起用：同时显示浏览器与 Playwright 版本。",
    "Why does the order button do nothing? Network & DNS → platform → page → account.":
        "下单按钮为什么没反应？依次检查：网络与 DNS → 平台 → 页面 → 账户。",
    "The product page URL (optional with --profile or --demo).": "商品页地址（使用 --profile 或 --demo 时可省略）。",
    "Built-in profile NAME or a YAML PATH.": "内置配置名称，或 YAML 配置文件路径。",
    "Diagnose the embedded demo shop (started in-process on loopback).": "诊断内置演示商城（在本机回环地址上启动）。",
    "Demo fault to inject (repeatable); see `kmdiag demo --list`.": "要注入的演示故障（可重复）；见 `kmdiag demo --list`。",
    "text | json | markdown | junit | html": "输出格式：text | json | markdown | junit | html",
    "Write the report to FILE instead of stdout.": "把报告写入文件，而不是输出到终端。",
    "Save an evidence bundle (DIR, or a .zip).": "保存证据包（目录或 .zip 文件）。",
    "zh | en (default: from the locale).": "输出语言：zh | en（默认按系统语言）。",
    "One budget in seconds for the whole run.": "整个诊断的时间预算（秒）。",
    "fail | warn: which finding status makes the exit code 1.": "fail | warn：哪种检查结果让退出码为 1。",
    "Layers to run: network,platform,browser,account,payment.": "只检查这些层：network,platform,browser,account,payment。",
    "Layers to leave out.": "跳过这些层。",
    "Let the diagnostic click really send the order.": "让诊断点击真的发出下单请求（会真实下单）。",
    "CI mode: report only what was observed; healthy exits 0.": "CI 模式：只报告观察到的情况；一切正常时退出码为 0。",
    "chrome | msedge | chromium (an installed browser by name) or the PATH of one (or KMDIAG_BROWSER).":
        "chrome | msedge | chromium（按名称选择已安装的浏览器），或浏览器程序路径（也可用 KMDIAG_BROWSER）。",
    "Save a Playwright trace with the evidence.": "把 Playwright 追踪文件一并存入证据包。",
    "Environment variable holding your session token.": "存放会话令牌的环境变量名。",
    "Text format: every check with its timings, and the network phases.": "文本格式下列出每一项检查及耗时，并显示网络各阶段耗时。",
    "Show tracebacks of internal errors.": "内部错误时显示调用栈。",
    "Paid, but the order did not move: order state, provider record, callbacks, signature, notify URL.":
        "已付款但订单没有变化：检查订单状态、支付渠道记录、回调、签名与回调地址。",
    "The platform's order number (optional with --demo or --sweep).": "平台订单号（使用 --demo 或 --sweep 时可省略）。",
    "Check every recent unpaid/pending order against the provider.": "向支付渠道核对近期所有未支付/待处理的订单（扫掉单）。",
    "With --sweep: how far back (e.g. 30m, 2h, 1d).": "与 --sweep 一起用：往前查多久（如 30m、2h、1d）。",
    "With --sweep: order numbers, one a line.": "与 --sweep 一起用：订单号文件，每行一个。",
    "With --sweep: provider queries in flight.": "与 --sweep 一起用：同时进行的渠道查询数。",
    "With --sweep: at most this many queries a second (0 = no limit).": "与 --sweep 一起用：每秒最多查询次数（0 表示不限）。",
    "Re-send a signed callback for a provider-confirmed payment.": "为渠道已确认收款的订单补发一次正确签名的回调。",
    "With --renotify: do not ask first.": "与 --renotify 一起用：不再询问确认。",
    "With --renotify: only show what would be sent.": "与 --renotify 一起用：只显示将发送的内容，不真正发送。",
    "Serve the embedded demo shop and payment gateway, with chosen faults, for a person to click through.":
        "启动内置演示商城与支付网关（可注入故障），供人手动点击体验。",
    "order | payment: which faults to offer.": "order | payment：提供哪一类故障。",
    "List the demo faults and exit.": "列出所有演示故障后退出。",
    "The catalogue of checks, by layer.": "按层列出所有检查项。",
    "The catalogue of cause ids with their titles.": "列出所有原因编号及其标题。",
    "Print the version (and, with --verbose, what kmdiag found on this machine).": "显示版本（加 --verbose：同时显示本机的浏览器等环境）。",
    "Also show the environment.": "同时显示运行环境。",
    "Print the JSON Schema of a machine-readable output (schema_version names it).": "输出机器可读报告的 JSON Schema（由 schema_version 标识版本）。",
    "report (the JSON report) | sweep (one line of payment --sweep JSON).": "report（JSON 报告）| sweep（payment --sweep 的一行 JSON）。",
    "The profile catalogue: list, show, validate, schema.": "配置目录：列出、查看、校验、输出 Schema。",
    "The built-in profiles.": "列出内置配置。",
    "Print a profile with every default filled in.": "显示配置（填入全部默认值）。",
    "Profile NAME or PATH.": "配置名称或路径。",
    "Validate profiles; errors name file and line.": "校验配置；错误会指出文件与行号。",
    "Profile NAMEs or PATHs.": "配置名称或路径（可多个）。",
    "Print the profile JSON Schema.": "输出配置文件的 JSON Schema。",
    "With --demo: a demo platform (acg-faka) instead of the default demo shop.": "与 --demo 一起用：改用某个演示平台（acg-faka），而不是默认的演示商城。",
    "A demo platform (acg-faka) instead of the default demo shop.": "改用某个演示平台（acg-faka），而不是默认的演示商城。",
    "URL-first form: kmdiag payment https://shop… ORDER_ID.": "也可把网址写在前面：kmdiag payment https://shop… 订单号。",
    "The shop's URL; its platform's built-in profile is used (detected, or --profile NAME).":
        "商城网址；使用其平台的内置配置（自动识别，或用 --profile 指定）。",
    "Also run the check in a private copy of your own browser profile and name what differs (asks first).":
        "同时在你自己浏览器配置的私有副本里再检查一次，并指出差别（会先征求同意）。",
    "With --my-browser: the browser's user-data dir (or one profile dir).": "与 --my-browser 一起用：浏览器的用户数据目录（或其中一个配置目录）。",
    "With --my-browser: do not ask first.": "与 --my-browser 一起用：不再询问确认。",
    "Run as a Prometheus exporter: /probe?module=order|payment|payment-sweep, /metrics. SIGHUP reloads.":
        "作为 Prometheus 导出器运行：/probe?module=order|payment|payment-sweep，/metrics；收到 SIGHUP 时重新加载配置。",
    "The exporter's YAML configuration (docs/monitoring.md).": "导出器的 YAML 配置文件（见 docs/monitoring.md）。",
    "Validate the configuration and exit (0 or 2).": "只校验配置后退出（退出码 0 或 2）。",
    "host:port to listen on (overrides the file's listen).": "监听的 host:port（覆盖配置文件中的 listen）。",
    "Also send one unsigned request to the shop's notify handler (the shop logs it as a failed callback); by default kmdiag only connects to its server.":
        "同时向店铺的回调处理程序发送一次未签名请求（店铺会把它记为一次失败的回调）；默认只连接其服务器。",
    "Show this message and exit.": "显示本帮助后退出。",
    "Install completion for the current shell.": "为当前 shell 安装命令补全。",
    "Show completion for the current shell, to copy it or customize the installation.": "显示当前 shell 的补全脚本，可复制或自定义安装。",
}

# click / typer's own words (passed through gettext there).
FRAMEWORK: dict[str, str] = {
    "Arguments": "参数", "Options": "选项", "Commands": "命令", "default: {default}": "默认：{default}",
    "required": "必填", "(dynamic)": "（动态）", "env var: {var}": "环境变量：{var}", "Aborted!": "已中止！",
    "Missing command.": "缺少命令。", "No such command {name!r}.": "没有命令 {name!r}。",
}


def wants_zh(argv: list[str], environ: dict[str, str] | Any) -> bool:
    """``--lang zh`` on the command line, else the locale (KMDIAG_LANG, LC_ALL, LC_MESSAGES, LANG)."""
    for i, a in enumerate(argv):
        if a == "--lang" and i + 1 < len(argv):
            return argv[i + 1] == "zh"
        if a.startswith("--lang="):
            return a.split("=", 1)[1] == "zh"
    from kmdiag.i18n import default_lang

    return default_lang(dict(environ)) == "zh"


def translate(cmd: Any) -> list[str]:
    """Swap every help text in the command tree for its Chinese; returns the ones with none."""
    missing: list[str] = []

    def zh(text: str | None) -> str | None:
        if not text:
            return text
        if text in ZH:
            return ZH[text]
        missing.append(text)
        return text

    def walk(c: Any) -> None:
        c.help = zh(c.help)
        if getattr(c, "options_metavar", None) == "[OPTIONS]":
            c.options_metavar = "[选项]"
        if getattr(c, "subcommand_metavar", None):
            c.subcommand_metavar = c.subcommand_metavar.replace("COMMAND", "命令").replace("ARGS", "参数")
        if getattr(c, "short_help", None):
            c.short_help = zh(c.short_help)
        for p in c.params:
            if getattr(p, "help", None):
                p.help = zh(p.help)
        for sub in getattr(c, "commands", {}).values():
            walk(sub)

    walk(cmd)
    return missing


@contextlib.contextmanager
def framework() -> Iterator[None]:
    """Chinese for click/typer's own words while the command runs (restored afterwards)."""
    patched: list[tuple[Any, str, Any]] = []

    def gettext(msg: str) -> str:
        return FRAMEWORK.get(msg, msg)

    try:
        import typer.core as tcore

        patched.append((tcore, "_", tcore._))
        tcore._ = gettext  # type: ignore[attr-defined]
        try:
            from typer._click import formatting as fmt
        except ImportError:  # pragma: no cover - typer that uses click itself
            from click import formatting as fmt  # type: ignore[no-redef]
        original = fmt.HelpFormatter.write_usage

        def write_usage(self: Any, prog: str, args: str = "", prefix: str | None = None) -> None:
            original(self, prog, args, "用法：" if prefix is None else prefix)

        patched.append((fmt.HelpFormatter, "write_usage", original))
        fmt.HelpFormatter.write_usage = write_usage  # type: ignore[method-assign]

        def write_heading(self: Any, heading: str) -> None:
            self.write(f"{'':>{self.current_indent}}{heading}：\n")

        patched.append((fmt.HelpFormatter, "write_heading", fmt.HelpFormatter.write_heading))
        fmt.HelpFormatter.write_heading = write_heading  # type: ignore[method-assign]
        core = __import__(fmt.__name__.rsplit(".", 1)[0] + ".core", fromlist=["Command"])
        original_help = core.Command.get_help_option

        def get_help_option(self: Any, ctx: Any) -> Any:
            opt = original_help(self, ctx)
            if opt is not None and opt.help in ZH:
                opt.help = ZH[opt.help]
            return opt

        patched.append((core.Command, "get_help_option", original_help))
        core.Command.get_help_option = get_help_option  # type: ignore[method-assign]
    except Exception:  # another typer/click layout: the help texts are still Chinese
        pass
    try:
        yield
    finally:
        for obj, name, value in reversed(patched):
            setattr(obj, name, value)
