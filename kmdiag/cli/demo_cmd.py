"""``kmdiag demo``: serve the demo shop in the foreground for a person to click through."""

from __future__ import annotations

import time

from kmdiag.i18n import default_lang


def main(faults: list[str], *, command: str, list_only: bool, lang: str | None, platform: str | None = None) -> int:
    from kmdiag.demo.faults import for_command
    from kmdiag.demo.runtime import DemoShop, load_modules
    from kmdiag.errors import UsageError

    if command not in ("order", "payment"):
        raise UsageError(f"--command: '{command}' is not one of order, payment")
    lang = lang or default_lang()
    if platform is not None:
        return _platform(platform, faults, command=command, list_only=list_only, lang=lang)
    load_modules()
    if list_only:
        for cmd in ("order", "payment"):
            print(f"kmdiag {cmd} --demo --fault NAME")
            for f in sorted(for_command(cmd).values(), key=lambda f: (f.layer, f.name)):
                print(f"  {f.name:<24} {f.layer:<9} {f.description.get(lang)}" + (f"  → {f.expect}" if f.expect else ""))
        return 0
    demo = DemoShop(faults, command=command).start()
    try:
        port = demo.shop.port
        zh = lang == "zh"
        print(("演示店已启动" if zh else "Demo shop running") + (f" (faults: {', '.join(faults)})" if faults else ""))
        print(f"  https://127.0.0.1:{port}/buy/1")
        print(f"  https://{demo.vars['shop_host']}:{port}/buy/1  (resolver {demo.vars['user_dns']})")
        print(f"  CA: {demo.vars['ca_bundle']}")
        for k, v in sorted(demo.vars.items()):
            if k.endswith("_url"):
                print(f"  {k}: {v}")
        print("按 Ctrl-C 停止" if zh else "Press Ctrl-C to stop")
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        return 0
    finally:
        demo.stop()


def _platform(platform: str, faults: list[str], *, command: str, list_only: bool, lang: str) -> int:
    """``kmdiag demo --platform acg-faka``: the platform demo in the foreground."""
    from kmdiag.demo.platforms import check_platform, make_demo

    check_platform(platform, True)
    zh = lang == "zh"
    if list_only:
        from kmdiag.demo.acgfaka.faults import catalogue

        for cmd in ("order", "payment"):
            print(f"kmdiag {cmd} --demo --platform {platform} --fault NAME")
            for f in sorted(catalogue(cmd).values(), key=lambda f: f.name):
                print(f"  {f.name:<24} {f.description.get(lang)}" + (f"  → {f.expect}" if f.expect else ""))
        return 0
    demo = make_demo(faults, command, platform).start()
    try:
        print(("演示平台已启动 " if zh else "Demo platform running: ") + platform
              + (f" (faults: {', '.join(faults)})" if faults else ""))
        print(f"  http://127.0.0.1:{demo.vars['shop_port']}/item/1")
        print(f"  {demo.base_url}item/1  (resolver {demo.vars['user_dns']})")
        for k in ("pay_gateway", "runtime_log", "request_log", "order_id"):
            if k in demo.vars:
                print(f"  {k}: {demo.vars[k]}")
        print("按 Ctrl-C 停止" if zh else "Press Ctrl-C to stop")
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        return 0
    finally:
        demo.stop()
