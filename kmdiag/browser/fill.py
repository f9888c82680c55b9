"""What a buyer would fill: every visible field the order form needs, with a valid value of its kind.

Real themes ask for more than the profile names (dujiaoka's unicorn theme: a ``required`` e-mail,
a query password, the quantity, a payway radio); a field left empty makes the browser's own
validation stop the submit, and a diagnosis that then blames the shop is wrong. So, for the
fields the profile does not name, the page is read (``PLAN``) and each visible field that is
``required``, pattern-constrained, or plainly a buyer's contact field gets a value of its kind:

* mainland mobile ``19912345678`` — a 19x number on purpose: 19x/16x numbers are issued today, so
  a rule that refuses them refuses real buyers (``frontend.validation-too-strict``). ``PLAN`` also
  tests the field's own constraint against 13x/16x/19x samples and records which it rejects;
* e-mail ``buyer@example.com``, QQ ``2345678901`` (10 digits, as new QQ numbers are), a query
  password, the quantity (``min``, else 1, inside ``max`` and on ``step``), a select's first real
  option, the first payway radio, a required checkbox (terms);
* an unknown field with a constraint gets the first guess the browser itself accepts; when none
  fits, it stays empty and is recorded as left empty — never the shop's fault.

After the click ``VALIDITY`` reads each field's ``validity`` and ``validationMessage``. Values are
personal-data shaped: :func:`register_values` hands them to the run's redactor.
"""

from __future__ import annotations

from typing import Any

MOBILE = "19912345678"
EMAIL = "buyer@example.com"
QQ = "2345678901"
PASSWORD = "kmdiag2468"
TEXT = "kmdiag"
# Samples every mainland-mobile rule should accept: a rule rejecting one of them is too strict.
MOBILE_SAMPLES = ("13800138000", "16612345678", "19912345678")
VALUES = {"phone": MOBILE, "email": EMAIL, "qq": QQ, "password": PASSWORD, "text": TEXT}
MARK = "data-kmdiag-fill"

PLAN = r"""
([skip, V, samples]) => {
  const MARK = 'data-kmdiag-fill';
  const vis = (el) => { const r = el.getBoundingClientRect(); const cs = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && cs.visibility !== 'hidden' && cs.display !== 'none'; };
  const labelOf = (el) => {
    let t = '';
    if (el.id) { const l = document.querySelector('label[for="' + CSS.escape(el.id) + '"]'); if (l) t += l.innerText; }
    const l2 = el.closest('label'); if (l2) t += ' ' + l2.innerText;
    const g = el.closest('.form-group, .layui-form-item, .el-form-item, .van-cell, .field, tr, li');
    if (g) { const lab = g.querySelector('label, .layui-form-label, .el-form-item__label, .van-field__label, th');
      if (lab && lab !== l2) t += ' ' + lab.innerText; }
    return t.trim().slice(0, 60);
  };
  const hints = (el) => [el.name, el.id, el.placeholder, el.getAttribute('aria-label'), el.title, labelOf(el)].join(' ');
  const skipped = (el) => skip.some(s => { try { return el.matches(s); } catch (e) { return false; } });
  const button = document.querySelector('[data-kmdiag-target]');
  const form = button && (button.form || button.closest('form'));
  let fields = form ? Array.from(form.elements) : Array.from(document.querySelectorAll('input, select, textarea'));
  fields = fields.filter(el => /^(INPUT|SELECT|TEXTAREA)$/.test(el.tagName));
  // No form around the button (acg-faka builds its pay buttons outside any form): the page's fields,
  // but not the site's search box, login form or navigation.
  if (!form) fields = fields.filter(el => !el.closest('nav, header, footer, form[role=search]') &&
    !(el.form && /search|query|login|signin/i.test((el.form.getAttribute('action') || '') + ' ' + el.form.id + ' ' + el.form.className)));
  const out = [];
  const groups = new Set();
  let n = document.querySelectorAll('[' + MARK + ']').length;
  const mark = (el) => { if (!el.hasAttribute(MARK)) el.setAttribute(MARK, String(n++)); return '[' + MARK + '="' + el.getAttribute(MARK) + '"]'; };
  const fits = (el, v) => { const old = el.value; el.value = v; const ok = el.checkValidity(); el.value = old; return ok; };
  const rejects = (el) => samples.filter(s => !fits(el, s));
  for (const el of fields) {
    const type = (el.getAttribute('type') || el.tagName).toLowerCase();
    if (el.disabled || el.readOnly || /^(hidden|submit|button|image|reset|file)$/.test(type) || skipped(el)) continue;
    const h = hints(el);
    if (/captcha|vcode|verify_?code|checkcode|验证码|geetest/i.test(h)) continue;
    const base = {selector: null, name: el.name || el.id || null, tag: el.tagName.toLowerCase(), type: type,
                  required: el.required, pattern: el.getAttribute('pattern'), label: labelOf(el) || el.placeholder || null};
    if (type === 'radio') {
      const g = el.name || mark(el); if (groups.has(g)) continue; groups.add(g);
      const all = el.name ? Array.from(document.getElementsByName(el.name)).filter(r => r.type === 'radio') : [el];
      if (all.some(r => r.checked)) continue;
      const needed = all.some(r => r.required) || /pay|支付|payway|channel/i.test(h);
      const pick = all.find(r => !r.disabled && (vis(r) || (r.closest('label') && vis(r.closest('label')))));
      if (!needed) continue;
      out.push({...base, selector: pick ? mark(pick) : mark(el), kind: 'radio', value: pick ? pick.value : null, fill: !!pick,
                why: pick ? null : 'no-enabled-option'});
      continue;
    }
    const shown = vis(el) || ((type === 'checkbox') && el.closest('label') && vis(el.closest('label')));
    if (!shown) continue;
    if (type === 'checkbox') {
      if (el.required && !el.checked) out.push({...base, selector: mark(el), kind: 'checkbox', value: el.value, fill: true});
      continue;
    }
    if (el.tagName === 'SELECT') {
      const cur = el.options[el.selectedIndex];
      if (cur && cur.value !== '' && !cur.disabled) continue;
      const opt = Array.from(el.options).find(o => o.value !== '' && !o.disabled);
      if (!el.required && !opt) continue;
      out.push({...base, selector: mark(el), kind: 'select', value: opt ? opt.value : null, option: opt ? opt.text.trim().slice(0, 30) : null,
                fill: !!opt, why: opt ? null : 'no-real-option'});
      continue;
    }
    if ((el.value || '') !== '') continue;  // the page's own default (quantity 1...) is what a buyer keeps
    const constrained = el.required || el.hasAttribute('pattern') || el.minLength > 0;
    let kind = null;
    if (type === 'email' || /e-?mail|邮箱|郵箱/i.test(h)) kind = 'email';
    else if (/(^|[^a-z])qq([^a-z]|$)|企鹅/i.test(h)) kind = 'qq';
    else if (type === 'tel' || /phone|mobile|(^|[^a-z])tel([^a-z]|$)|手机|电话|號碼|号码/i.test(h)) kind = 'phone';
    else if (type === 'password' || /pwd|passw|密码/i.test(h)) kind = 'password';
    else if (type === 'number' || /(^|_)(num|amount|quantity|qty|count|by_amount)($|_)|数量|件数|份数/i.test(h)) kind = 'quantity';
    else if (/contact|联系/i.test(h)) kind = 'contact';
    else if (/coupon|promo|优惠|折扣|remark|备注|留言|search|keyword|搜索|查询订单/i.test(h)) continue;
    if (kind === null && !constrained) continue;
    let value = null, why = null;
    if (kind === 'quantity') {
      const min = el.min !== '' ? parseFloat(el.min) : NaN, max = el.max !== '' ? parseFloat(el.max) : NaN;
      const step = el.step && el.step !== 'any' ? parseFloat(el.step) : 1;
      let q = isNaN(min) ? 1 : Math.max(min, 1);
      if (!isNaN(min) && step > 0) q = min + Math.ceil((q - min) / step) * step;
      if (!isNaN(max) && q > max) q = max;
      value = String(q);
    } else if (kind === 'contact') {
      value = [V.phone, V.email, V.qq].find(v => fits(el, v)) || null;
      if (value === null) why = 'no-valid-guess';
    } else if (kind) {
      value = V[kind];
    } else {
      const len = Math.max(el.minLength || 0, 1);
      const guesses = [V.text.padEnd(len, '0'), V.phone, V.email, V.qq, '1'];
      value = guesses.find(v => fits(el, v)) || null;
      kind = 'text';
      if (value === null) why = 'no-valid-guess';
    }
    if (value !== null && el.maxLength > 0 && value.length > el.maxLength) value = value.slice(0, el.maxLength);
    const rec = {...base, selector: mark(el), kind: kind, value: value, fill: value !== null, why: why};
    if (kind === 'phone' || (kind === 'contact' && value === V.phone)) rec.rejects = rejects(el);
    if (value !== null) rec.fits = fits(el, value);
    out.push(rec);
  }
  return out.slice(0, 25);
}
"""

# After the click: the browser's verdict on every field kmdiag planned (filled or left empty) and
# on the profile's own fields.
VALIDITY = r"""
(sels) => {
  const out = [];
  const seen = new Set();
  const read = (el, sel, by) => {
    if (seen.has(el)) return; seen.add(el);
    const v = el.validity || {};
    out.push({selector: sel, by: by, name: el.name || el.id || null, type: (el.getAttribute('type') || el.tagName).toLowerCase(),
      valid: v.valid !== undefined ? v.valid : null, validation_message: (el.validationMessage || '').slice(0, 160),
      value_missing: !!v.valueMissing, pattern_mismatch: !!v.patternMismatch, type_mismatch: !!v.typeMismatch,
      range: !!(v.rangeUnderflow || v.rangeOverflow || v.stepMismatch), too_short: !!v.tooShort,
      title: (el.title || '').slice(0, 120), aria_invalid: el.getAttribute('aria-invalid'), value_length: (el.value || '').length,
      checked: (el.type === 'radio' || el.type === 'checkbox') ? el.checked : null});
  };
  document.querySelectorAll('[data-kmdiag-fill]').forEach(el => read(el, '[data-kmdiag-fill="' + el.getAttribute('data-kmdiag-fill') + '"]', 'kmdiag'));
  for (const sel of sels) { let el = null; try { el = document.querySelector(sel); } catch (e) {} if (el) read(el, sel, 'profile'); }
  // Visible required fields of the order form that nobody filled (a coupon, a captcha kmdiag never guesses).
  const vis = (el) => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const button = document.querySelector('[data-kmdiag-target]');
  const form = button && (button.form || button.closest('form'));
  (form || document).querySelectorAll('input[required], select[required], textarea[required]').forEach(el => {
    if (!seen.has(el) && !el.disabled && el.validity && el.validity.valueMissing && el.type !== 'hidden' && vis(el) &&
        (form || !el.closest('nav, header, footer, form[role=search]'))) read(el, null, 'nobody'); });
  return out.slice(0, 30);
}
"""


async def plan(page: Any, profile_fill: dict[str, str], evaluate: Any) -> list[dict[str, Any]]:
    """The fields a buyer would fill that the profile does not name (``evaluate`` bounds the call)."""
    return await evaluate(page, PLAN, [list(profile_fill), VALUES, list(MOBILE_SAMPLES)])


async def apply(page: Any, planned: list[dict[str, Any]], left_s: Any = None) -> list[dict[str, Any]]:
    """Fill the planned fields one after another, with real input events (as typing would).

    ``left_s()`` is the time this step may still take (the probe's budget): each field waits at most
    that long, and once it is gone the rest are recorded as not filled ("no-time").
    """
    res = []
    for p in planned:
        if not p.get("fill"):
            res.append({**p, "filled": False})
            continue
        budget = 1.5 if left_s is None else min(1.5, left_s())
        if budget < 0.1:
            res.append({**p, "filled": False, "why": "no-time"})
            continue
        timeout = int(budget * 1000)
        sel, kind = p["selector"], p["kind"]
        try:
            if kind == "select":
                await page.select_option(sel, p["value"], timeout=timeout)
            elif kind in ("radio", "checkbox"):
                await page.check(sel, timeout=timeout, force=True)  # themes often hide the real input under a styled label
            else:
                await page.fill(sel, p["value"], timeout=timeout)
            res.append({**p, "filled": True})
        except Exception as exc:
            # A loaded machine can miss Playwright's actionability wait: set the value as a script would,
            # with the events a framework listens to, rather than leave the field empty.
            try:
                ok = await page.evaluate(_SET, [sel, kind, p["value"]])
            except Exception:
                ok = False
            if ok:
                res.append({**p, "filled": True, "how": "script"})
            else:
                res.append({**p, "filled": False, "why": "fill-failed", "error": str(exc).splitlines()[0][:160]})
    return res


_SET = r"""
([sel, kind, value]) => { const el = document.querySelector(sel); if (!el) return false;
  if (kind === 'radio' || kind === 'checkbox') el.checked = true; else el.value = value;
  for (const t of ['input', 'change']) el.dispatchEvent(new Event(t, {bubbles: true}));
  return true; }
"""


def register_values(redactor: Any, filled: list[dict[str, Any]]) -> None:
    """Hand the personal-data-shaped values kmdiag typed to the run's one redaction path."""
    if redactor is None:
        return
    from kmdiag.redact import phones_in

    values = [p["value"] for p in filled if p.get("filled") and isinstance(p.get("value"), str)]
    redactor.add_phone(*phones_in(values))
    other = [v for v in values if v in (EMAIL, QQ, PASSWORD)]
    for name in ("add_pii", "add_personal", "add_email"):  # the e-mail/QQ masking the security work adds
        fn = getattr(redactor, name, None)
        if callable(fn):
            fn(*other)
            break


def left_empty(fields: list[dict[str, Any]], filled: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Fields the browser found missing or wrong after the click that kmdiag did not fill."""
    ours = {p["selector"] for p in filled if p.get("filled")}
    return [f for f in fields if f.get("valid") is False and f.get("by") != "profile" and f.get("selector") not in ours]
