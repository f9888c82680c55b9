#!/usr/bin/env bash
# Set up kmdiag on this machine: system packages it needs (when we can install them), a virtualenv
# in .venv with kmdiag and its test tools. Safe to run again: it only does what is missing.
set -u
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
# apt-get update at most once per run, and only when something is missing (a machine that has
# everything does no apt work at all).
APT_UPDATED=0
apt_update_once() {
  [ "$APT_UPDATED" -eq 1 ] && return 0
  ${SUDO:-} apt-get update -qq >/dev/null && APT_UPDATED=1
}
say() { printf '\033[1m[setup]\033[0m %s\n' "$*" >&2; }
warn() { printf '\033[33m[setup] warning:\033[0m %s\n' "$*" >&2; }

# -- system packages ------------------------------------------------------------------------
need=()
command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || command -v google-chrome >/dev/null 2>&1 || need+=(chromium)
[ -x /usr/sbin/dnsmasq ] || command -v dnsmasq >/dev/null 2>&1 || need+=(dnsmasq-base)
if command -v fc-list >/dev/null 2>&1; then
  fc-list :lang=zh 2>/dev/null | grep -q . || need+=(fonts-wqy-microhei)
else
  [ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || need+=(fonts-wqy-microhei)
fi
# nginx only for the tests that read an access log written by a real nginx (they skip without it)
had_nginx=1
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || { need+=(nginx-light); had_nginx=0; }
if [ ${#need[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || { command -v sudo >/dev/null 2>&1 && SUDO="sudo -n"; }
    if [ "$(id -u)" -eq 0 ] || [ -n "$SUDO" ]; then
      say "installing system packages: ${need[*]}"
      if ! { apt_update_once && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null; }; then
        warn "could not install ${need[*]} with apt-get; install them yourself: apt-get install ${need[*]}"
      fi
    else
      warn "missing ${need[*]}; run: sudo apt-get install ${need[*]}"
    fi
  else
    warn "missing ${need[*]}. On macOS: brew install --cask chromium; brew install dnsmasq. On other systems install Chrome/Chromium, dnsmasq and a CJK font."
  fi
fi
if [ "$had_nginx" -eq 0 ] && [ -x /usr/sbin/nginx ] && command -v systemctl >/dev/null 2>&1 \
   && systemctl is-active --quiet nginx 2>/dev/null; then
  # Debian starts the packaged service on :80; the tests run their own nginx on a loopback port.
  ${SUDO:-} systemctl disable --now nginx >/dev/null 2>&1 && say "stopped the nginx service the package started (the tests run their own)"
fi
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || warn "no nginx: the tests on a real nginx access log will be skipped"
# Prometheus and Alertmanager: only for the exporter's tests (kmdiag serve, tests/serve) and
# promtool for the alert rules. --no-install-recommends (no node exporter), and their services are
# never started here: a policy-rc.d that refuses every service start is put in place for the
# install when the machine has none (containers usually do), then removed again.
mon=()
command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1 || mon+=(prometheus)
command -v prometheus-alertmanager >/dev/null 2>&1 || command -v alertmanager >/dev/null 2>&1 || mon+=(prometheus-alertmanager)
if [ ${#mon[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
    say "installing ${mon[*]} (for the exporter tests; their services are not started)"
    made_policy=""
    if [ ! -e /usr/sbin/policy-rc.d ]; then
      printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && made_policy=1
    fi
    { apt_update_once && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${mon[@]}" >/dev/null; } \
      || warn "could not install ${mon[*]}; the Prometheus tests will be skipped (apt-get install ${mon[*]})"
    [ -n "$made_policy" ] && rm -f /usr/sbin/policy-rc.d
  elif command -v apt-get >/dev/null 2>&1 && command -v sudo >/dev/null 2>&1; then
    warn "missing ${mon[*]}: the Prometheus tests will be skipped; run: sudo apt-get install --no-install-recommends ${mon[*]}"
  else
    warn "missing ${mon[*]} (Prometheus, Alertmanager): the Prometheus tests will be skipped"
  fi
fi
command -v chromium >/dev/null 2>&1 || warn "no Chromium found: the browser layer will say what to install and the other layers still run"
[ -x /usr/sbin/dnsmasq ] || command -v dnsmasq >/dev/null 2>&1 || warn "no dnsmasq: the DNS tests against a real resolver will be skipped"

# -- python -----------------------------------------------------------------------------------
if [ ! -x .venv/bin/python ]; then
  say "creating .venv"
  "$PY" -m venv .venv || { warn "python3 -m venv failed (Debian: apt-get install python3-venv)"; exit 1; }
fi
stamp=.venv/.kmdiag-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  say "installing kmdiag and its test tools into .venv"
  # No pip self-upgrade (a download and an install CI does not need), no version check, and no
  # byte-compiling of every installed file (Python compiles what it imports, when it imports it).
  .venv/bin/python -m pip install -q --disable-pip-version-check --no-input --no-compile -e '.[test]' || { warn "pip install failed"; exit 1; }
  touch "$stamp"
fi
# Byte-compile kmdiag and what it imports, once (quick when nothing changed). With
# PYTHONDONTWRITEBYTECODE set (it is on this machine), Python never writes .pyc files itself,
# so every kmdiag process compiled its ~130 modules again (measured: 0.23 s of CPU per run, more with
# the libraries' when a fresh .venv had none).
.venv/bin/python -m compileall -q -j0 kmdiag .venv/lib/python*/site-packages >/dev/null 2>&1 || warn "byte-compiling failed (kmdiag still runs, only slower to start)"
say "ready: .venv/bin/kmdiag"
