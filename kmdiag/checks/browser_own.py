"""Checks of ``kmdiag order --my-browser``: what differs between the shopper's own browser and a clean one.

Pure functions of the ``browser.my-browser`` measurement (a visit in a copy of the shopper's
profile, its cache and site data, reruns without extensions / site data) and ``browser.page``
(the clean visit). Each names one difference, so the diagnosis can say "your cached app.js is an
old one" instead of "probably your browser".
"""

from __future__ import annotations

from typing import Any

from kmdiag.browser.compare import what_went_wrong, worse
from kmdiag.browser.versions import major, profile_key
from kmdiag.i18n import T
from kmdiag.models import Status
from kmdiag.registry import CheckContext, CheckResult, check

OWN = "browser.my-browser"
_MANUAL = T(zh="请手动排查：清除该网站的缓存和 Cookie 后重试，或用无痕/隐私窗口打开商品页下单",
            en="check by hand: clear this site's cache and cookies and try again, or order from a private/incognito window")
_REASONS = {"missing": T(zh="找不到浏览器配置目录", en="no browser profile found there"),
            "locked": T(zh="配置文件被占用或没有读取权限（可先关闭浏览器）", en="the profile is locked or not readable (close the browser first)"),
            "unreadable": T(zh="配置文件无法读取", en="the profile could not be read")}


def _d(c: CheckContext) -> dict[str, Any]:
    return c.data(OWN)


def _unavailable(d: dict[str, Any]) -> CheckResult | None:
    """No visit in the copy (unreadable profile, browser did not start): nothing to compare."""
    if d.get("readable") and (d.get("copy") or {}).get("launched"):
        return None
    return CheckResult(Status.SKIP, T(zh="未比较：没有在你的浏览器配置副本中完成检查（见 browser.own-profile）",
                                      en="not compared: no check ran in a copy of your profile (see browser.own-profile)"), {})


def _worse(d: dict[str, Any]) -> bool:
    return bool(d.get("copy_worse"))


def _fixed(d: dict[str, Any], key: str) -> bool:
    """A rerun (without extensions / site data) went as well as the clean visit."""
    return key in d and not worse(d[key], d.get("clean"))


@check("browser.own-profile", layer="browser", needs=(OWN,),
       title=T(zh="能在你自己浏览器配置的副本中检查页面", en="The page check runs in a copy of your own browser profile"))
def own_profile(c: CheckContext) -> CheckResult:
    d = _d(c)
    ev = {k: d.get(k) for k in ("browser", "user_data_dir", "profile", "running", "reason", "error", "copied", "caches",
                                "cookie_crypto", "unreadable_cookie_count", "other_extensions")}
    if not d.get("readable"):
        why = _REASONS.get(str(d.get("reason")), _REASONS["unreadable"])
        return CheckResult(Status.WARN, T(zh=f"没能读取你的浏览器配置（{d.get('user_data_dir')}：{why.zh}），只做了干净浏览器的检查；{_MANUAL.zh}",
                                          en=f"your browser profile could not be read ({d.get('user_data_dir')}: {why.en}); only the clean "
                                             f"check ran; {_MANUAL.en}"), ev)
    copy = d.get("copy") or {}
    if not copy.get("launched"):
        return CheckResult(Status.WARN, T(zh=f"无法用你的配置副本启动浏览器（{copy.get('error')}）；{_MANUAL.zh}",
                                          en=f"the browser did not start with the copy of your profile ({copy.get('error')}); {_MANUAL.en}"), ev)
    if d.get("unreadable_cookie_count"):
        n = d["unreadable_cookie_count"]
        return CheckResult(Status.WARN, T(
            zh=f"该网站有 {n} 个 Cookie 用系统钥匙串加密，副本里无法解密，Cookie 的比较不完整；{_MANUAL.zh}",
            en=f"{n} of this site's cookies are encrypted with the system keyring and cannot be decrypted in a copy, so "
               f"the cookie comparison is partial; {_MANUAL.en}"), ev)
    n = sum(int(v.get("entries", 0)) for v in (d.get("caches") or {}).values())
    return CheckResult(Status.PASS, T(zh=f"已在 {d.get('browser')} 配置的私有副本中检查（该网站的缓存 {n} 条），检查后副本已删除",
                                      en=f"checked in a private copy of your {d.get('browser')} profile ({n} cache entries of "
                                         f"this site); the copy is deleted"), ev)


@check("browser.own-compare", layer="browser", needs=(OWN, "browser.page"), after=("browser.own-profile",),
       title=T(zh="你的浏览器和干净浏览器下单结果一致", en="Your browser orders as a clean one does"))
def own_compare(c: CheckContext) -> CheckResult:
    d = _d(c)
    if (na := _unavailable(d)) is not None:
        return na
    mine, clean = d.get("copy_outcome") or {}, d.get("clean") or {}
    ev = {"yours": mine, "clean": clean}
    y, k = what_went_wrong(mine), what_went_wrong(clean)
    if not _worse(d):
        return CheckResult(Status.PASS, T(zh=f"你的浏览器副本：{y.zh}；与干净浏览器一致",
                                          en=f"in your browser's copy: {y.en}; same as a clean browser"), ev)
    return CheckResult(Status.FAIL, T(zh=f"你的浏览器副本里出问题（{y.zh}），干净浏览器里却正常（{k.zh}）",
                                      en=f"in your browser's copy: {y.en}; in a clean browser: {k.en}"), ev)


@check("browser.own-stale-cache", layer="browser", needs=(OWN,), after=("browser.own-profile",),
       title=T(zh="缓存里的脚本和样式与网站当前版本一致", en="Cached scripts and styles match the site's current ones"))
def own_stale_cache(c: CheckContext) -> CheckResult:
    d = _d(c)
    if (na := _unavailable(d)) is not None:
        return na
    stale = [a for a in (d.get("copy") or {}).get("assets") or [] if a.get("differs") and not a.get("from_service_worker")]
    ev = {"stale": stale, "compared": len((d.get("copy") or {}).get("assets") or [])}
    if not stale:
        return CheckResult(Status.PASS, T(zh="缓存中的脚本/样式与网站当前版本相同", en="cached scripts/styles are the site's current ones"), ev)
    urls = ", ".join(a["url"] for a in stale[:3])
    if not _worse(d):
        return CheckResult(Status.WARN, T(zh=f"缓存里有旧版本文件（{urls}），但下单不受影响", en=f"old cached copies ({urls}), but ordering still works"), ev)
    return CheckResult(Status.FAIL, T(zh=f"你的浏览器用的是缓存里的旧文件：{urls}（与网站当前版本不同）",
                                      en=f"your browser runs old cached copies of {urls} (they differ from the site's current ones)"), ev)


@check("browser.own-service-worker", layer="browser", needs=(OWN,), after=("browser.own-profile",),
       title=T(zh="没有 Service Worker 提供旧页面", en="No service worker serves an old page"))
def own_service_worker(c: CheckContext) -> CheckResult:
    d = _d(c)
    if (na := _unavailable(d)) is not None:
        return na
    copy = d.get("copy") or {}
    sw = (copy.get("site_data") or {}).get("service_worker")
    served = [a for a in copy.get("assets") or [] if a.get("from_service_worker")]
    old = [a for a in served if a.get("differs")]
    ev = {"service_worker": sw, "served_by_worker": served}
    if not sw and not served:
        return CheckResult(Status.PASS, T(zh="页面不受 Service Worker 控制", en="no service worker controls the page"), ev)
    if _worse(d) and (old or any(a.get("type") == "document" for a in served)):
        what = ", ".join(a["url"] for a in (old or served)[:3])
        return CheckResult(Status.FAIL, T(zh=f"网站的 Service Worker（{sw}）从它自己的缓存提供了旧页面：{what}",
                                          en=f"the site's service worker ({sw}) serves an old page from its own cache: {what}"), ev)
    return CheckResult(Status.PASS, T(zh=f"Service Worker（{sw}）控制页面，但提供的内容是最新的",
                                      en=f"a service worker ({sw}) controls the page, but what it serves is current"), ev)


@check("browser.own-extensions", layer="browser", needs=(OWN,), after=("browser.own-profile",),
       title=T(zh="浏览器插件不影响下单", en="No extension gets in the way of ordering"))
def own_extensions(c: CheckContext) -> CheckResult:
    d = _d(c)
    if (na := _unavailable(d)) is not None:
        return na
    exts = d.get("extensions") or []
    ev = {"extensions": exts, "without_extensions": d.get("without_extensions"), "other_extensions": d.get("other_extensions"),
          "culprits": d.get("extension_culprits")}
    if _worse(d) and _fixed(d, "without_extensions"):
        culprits = d.get("extension_culprits") or []
        named = [e for e in exts if e["id"] in culprits] or [e for e in exts if e.get("blocks")] or exts
        names = "、".join(f"{e['name']}（{e['id']}）" for e in named[:3])
        names_en = ", ".join(f"{e['name']} ({e['id']})" for e in named[:3])
        ev["named"] = named[:3]
        return CheckResult(Status.FAIL, T(zh=f"停用插件后就能下单：插件 {names} 拦截或改写了页面",
                                          en=f"with extensions off the order goes through: {names_en} blocks or rewrites the page"), ev)
    blocked = (d.get("copy_outcome") or {}).get("blocked") or []
    if blocked and exts:
        return CheckResult(Status.WARN, T(zh=f"有请求被插件拦截（{blocked[0]}），但未能确认是哪一个",
                                          en=f"an extension blocked a request ({blocked[0]}), but which one could not be confirmed"), ev)
    return CheckResult(Status.PASS, T(zh=f"{len(exts)} 个插件可作用于该网站，没有发现它们影响下单",
                                      en=f"{len(exts)} extension(s) may act on this site; none was seen getting in the way"), ev)


@check("browser.own-site-data", layer="browser", needs=(OWN,), after=("browser.own-profile",),
       title=T(zh="该网站保存的 Cookie 和本地数据不影响页面", en="This site's saved cookies and storage do not break the page"))
def own_site_data(c: CheckContext) -> CheckResult:
    d = _d(c)
    if (na := _unavailable(d)) is not None:
        return na
    site = (d.get("copy") or {}).get("site_data") or {}
    names = [x["name"] for x in site.get("cookies") or []] + [x["key"] for x in site.get("storage") or []]
    ev = {"cookies": site.get("cookies"), "storage": site.get("storage"), "without_site_data": d.get("without_site_data")}
    if _worse(d) and _fixed(d, "without_site_data"):
        ev["names"] = names[:10]
        return CheckResult(Status.FAIL, T(zh=f"清除该网站保存的数据后就能下单：Cookie/本地存储（{', '.join(names[:5])}）让页面进入了错误状态",
                                          en=f"with this site's saved data cleared the order goes through: its cookies/storage "
                                             f"({', '.join(names[:5])}) put the page in a broken state"), ev)
    return CheckResult(Status.PASS, T(zh=f"该网站保存了 {len(names)} 项数据，没有发现它们影响页面",
                                      en=f"{len(names)} saved item(s) for this site; none was seen breaking the page"), ev)


@check("browser.own-version", layer="browser", needs=(OWN,),
       title=T(zh="你的浏览器版本满足店铺要求", en="Your browser's version meets the shop's minimum"))
def own_version(c: CheckContext) -> CheckResult:
    d = _d(c)
    version = d.get("last_version")
    fam = profile_key(str(d.get("browser") or "chromium"))
    mins = {k.lower(): v for k, v in (c.profile.order.supported_browsers or {}).items()}
    need = mins.get(str(d.get("browser") or "")) or mins.get(fam)
    ev = {"browser": d.get("browser"), "version": version, "min": need, "source": "Last Version"}
    have = major(version)
    if need is None or have is None:
        return CheckResult(Status.PASS, T(zh=f"你的浏览器版本 {version or '未知'}，店铺没有版本要求或无法比较",
                                          en=f"your browser is {version or 'of unknown version'}; no minimum to compare with"), ev)
    if have < need:
        ev["outdated"] = [f"{d.get('browser')} {version} < {need}"]
        return CheckResult(Status.FAIL, T(zh=f"你的浏览器 {d.get('browser')} {version} 低于店铺要求的 {need}",
                                          en=f"your browser {d.get('browser')} {version} is older than the shop's minimum {need}"), ev)
    return CheckResult(Status.PASS, T(zh=f"你的浏览器 {version} ≥ {need}", en=f"your browser {version} ≥ {need}"), ev)
