"""Pure helpers for the browser checks on pages as real themes build them.

* whose script failed: the shop's own (first party, same site) or a public CDN's / a counter's
  (third party) — different next steps;
* whether a script problem blocks the order at all (the request left, the page reacted to the
  click, or DevTools shows a click handler on the button: then it is a warning, not the cause);
* what the page said after the click: ``alert``/``confirm`` text, library toasts and dialogs,
  new text, and each field's browser validation verdict;
* how to name what covers the button (a dialog, quoted; a mask and its dialog; a transparent layer).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from kmdiag.browser.feedback import quoted

_URL = re.compile(r"https?://[^\s)'\"]+")
_NOT_DEFINED = re.compile(r"(\$|\b(jQuery|layui|layer|Vue|vant|ELEMENT|Swal|bootstrap|axios)\b).*(not defined|is undefined)|"
                          r"Cannot read propert(y|ies) of undefined \(reading '(fn|extend|ajax|use)'\)", re.I)
VALIDATION_WORDS = re.compile(r"手机|号码|格式|正确|有效|请输入|请填写|请选择|邮箱|QQ|必填|不能为空|invalid|valid|format|enter|"
                              r"required|phone|e-?mail|select", re.IGNORECASE)


def _site(host: str) -> str:
    """The registrable part, roughly: static.shop.com and shop.com are one site (IPs stay whole)."""
    host = (host or "").split(":")[0].lower()
    if re.fullmatch(r"[0-9.]+|\[.*\]", host) or host.count(".") < 1:
        return host
    labels = host.split(".")
    two = ".".join(labels[-2:])
    # com.cn, net.cn, org.cn, co.uk...: keep three labels
    return ".".join(labels[-3:]) if re.fullmatch(r"(com|net|org|gov|edu|co)\.[a-z]{2}", two) else two


def party(url: str | None, page_url: str | None) -> str:
    if not url or not page_url:
        return "first"
    u, p = urlsplit(url), urlsplit(page_url)
    if not u.netloc or u.scheme not in ("http", "https"):
        return "first"  # inline scripts, blob:, the page itself
    return "first" if _site(u.hostname or "") == _site(p.hostname or "") else "third"


def _error_url(e: dict[str, Any]) -> str | None:
    if e.get("url"):
        return e["url"]
    for line in e.get("stack") or []:
        m = _URL.search(line)
        if m:
            return m.group(0)
    return None


def classify(probs: dict[str, list[dict[str, Any]]], page_url: str | None) -> dict[str, Any]:
    """Split the script problems into the shop's own and third parties'; an error that only says a
    library from a dead third-party URL is missing ("$ is not defined") is that third party's."""
    first: list[str] = []
    third: list[str] = []
    third_hosts: list[str] = []
    for key in ("script_failures", "blocked", "policy"):
        for e in probs.get(key) or []:
            m = _URL.search(e.get("text") or "")
            url = _error_url(e) or (m.group(0) if m else None)
            what = e.get("message") or e.get("text") or f"{e.get('url')} {e.get('error') or e.get('status')}"
            if party(url, page_url) == "third":
                third.append(what)
                third_hosts.append(urlsplit(url).netloc)
            else:
                first.append(what)
    dead_third = bool(third_hosts)
    for e in probs.get("page_errors") or []:
        what = f"{e.get('name') or 'Error'}: {e.get('message')}"
        url = _error_url(e)
        if party(url, page_url) == "third" or (dead_third and _NOT_DEFINED.search(e.get("message") or "")):
            third.append(what)
        else:
            first.append(what)
    return {"first_party": first[:5], "third_party": third[:5], "third_party_hosts": sorted(set(third_hosts))[:5],
            "party": "first" if first else ("third" if third else None)}


def page_reacted(d: dict[str, Any]) -> bool:
    """The click produced something: a dialog, a toast, new text or a navigation — a handler ran."""
    fb = d.get("feedback") or {}
    return bool(fb.get("dialogs") or fb.get("toasts") or fb.get("new_text") or fb.get("navigated_to"))


def handler_bound(d: dict[str, Any]) -> bool | None:
    """True: a click listener on the button itself, or it natively submits its form. None: unknown
    (no DevTools answer). A listener only on an ancestor is not proof: libraries put generic ones there."""
    b = d.get("binding")
    return None if not b else bool(b.get("bound"))


def click_sent_order(d: dict[str, Any]) -> bool:
    """Whether an order request left during the click round (the page's own load does not count)."""
    return any(o.get("phase") == "click" for o in d.get("order_requests") or [])


def script_blocks(d: dict[str, Any]) -> bool:
    """Whether the page's script problems can be why the order does not leave."""
    return not (click_sent_order(d) or page_reacted(d) or handler_bound(d))


def messages(d: dict[str, Any]) -> list[dict[str, str]]:
    """What the page told the buyer after the click, in order: dialogs, toasts, new text."""
    fb = d.get("feedback") or {}
    out = [{"source": f"{x.get('type', 'alert')}()", "text": x.get("message") or ""} for x in fb.get("dialogs") or []]
    out += [{"source": f"{t.get('library')} {t.get('kind')}", "text": t.get("text") or ""} for t in fb.get("toasts") or []]
    shown = {m["text"] for m in out}
    out += [{"source": "text", "text": t} for t in fb.get("new_text") or [] if not any(t in s for s in shown)]
    return [m for m in out if m["text"]][:10]


def validation_messages(d: dict[str, Any]) -> list[str]:
    return [m["text"] for m in messages(d) if VALIDATION_WORDS.search(m["text"])]


def field_verdicts(d: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Fields after the click: refused although filled (by kmdiag or the profile), and left empty."""
    auto = {p["selector"]: p for p in d.get("autofill") or []}
    profile_filled = {f["selector"] for f in d.get("fill") or [] if f.get("filled")}
    refused, empty = [], []
    for f in d.get("fields_after") or []:
        if f.get("valid") is not False and str(f.get("aria_invalid")).lower() != "true":
            continue
        plan = auto.get(f.get("selector") or "")
        ours = (plan is not None and plan.get("filled")) or (f.get("by") == "profile" and f.get("selector") in profile_filled)
        # The page's own words first: a pattern's title is what the browser shows under its generic message.
        msg = f.get("validation_message") or ""
        if f.get("pattern_mismatch") and f.get("title"):
            msg = f"{f['title']}（{msg}）" if msg else f["title"]
        row = {"field": f.get("name") or f.get("selector"), "message": msg,
               "kind": (plan or {}).get("kind"), "label": (plan or {}).get("label"),
               "rejects": (plan or {}).get("rejects") or []}
        (refused if ours and not f.get("value_missing") else empty).append(row)
    for f in d.get("fill") or []:  # a profile value that could not be typed in: that field is empty too
        if not f.get("filled"):
            empty.append({"field": f.get("selector"), "message": "", "kind": None, "label": None, "why": "fill-failed"})
    for p in d.get("autofill") or []:  # planned but not filled (no valid guess): empty even if the page says nothing
        if not p.get("filled") and not any(e["field"] == (p.get("name") or p.get("selector")) for e in empty):
            empty.append({"field": p.get("name") or p.get("selector"), "message": "", "kind": p.get("kind"),
                          "label": p.get("label"), "why": p.get("why")})
    return {"refused": refused, "empty": empty}


def cover_phrase(cover: dict[str, Any] | None, hit_desc: str, transparent: bool) -> tuple[str, str, str]:
    """(zh, en, kind) naming what covers the button."""
    c = cover or {}
    kind = c.get("kind") or ("transparent" if transparent else "element")
    if kind == "dialog":
        q = quoted(c.get("text") or "", 24)  # the whole text is in the evidence (cover.text)
        mask = f"（及其遮罩 {c['mask']}）" if c.get("mask") else ""
        mask_en = f" (with its mask {c['mask']})" if c.get("mask") else ""
        return f"弹窗「{q}」{mask}", f"a dialog 「{q}」{mask_en}", kind
    if kind == "mask":
        return f"遮罩层 {c.get('mask') or hit_desc}", f"the mask {c.get('mask') or hit_desc}", kind
    if kind == "transparent":
        return f"透明层 {c.get('hit') or hit_desc}", f"a transparent layer {c.get('hit') or hit_desc}", kind
    text = quoted(c.get("text") or "", 30)
    said = f"「{text}」" if text else ""
    return f"元素 {c.get('hit') or hit_desc}{said}", f"{c.get('hit') or hit_desc}{(' ' + said) if said else ''}", kind
