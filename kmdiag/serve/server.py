"""The HTTP side: ``/probe``, ``/metrics``, ``/-/healthy``, ``/-/reload``; SIGHUP reloads.

Why threads and a plain ``http.server``: a probe is a whole kmdiag run (its own asyncio loop, a
Chromium for order probes) that must finish inside the scrape's timeout; a thread per scrape keeps
each run isolated, and the bounds that matter are explicit — the browser pool for order probes,
``max_inflight`` for everything (HTTP 503 beyond it), and a hard deadline after which the scrape is
answered ``kmdiag_probe_success 0`` whatever the run is still doing.
"""

from __future__ import annotations

import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from kmdiag import __version__
from kmdiag.serve import metrics as M
from kmdiag.serve import probes
from kmdiag.serve.config import Config, ConfigError, load_config
from kmdiag.serve.own_metrics import ExporterMetrics
from kmdiag.serve.pool import BrowserPool
from kmdiag.serve.runtime import Runtime
from kmdiag.serve.targets import TargetRefused, check_target

MAX_SCRAPE_TIMEOUT_S = 600.0


def log(msg: str) -> None:
    print(f"{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())} kmdiag serve: {msg}", file=sys.stderr, flush=True)


class Exporter:
    def __init__(self, config_path: str, config: Config, listen: str | None = None) -> None:
        self.config_path = config_path
        self.listen = listen  # --listen, kept over reloads
        self.runtime = Runtime.start(config)
        self.pool = BrowserPool(config.browsers)
        self.metrics = ExporterMetrics(self.pool)
        self.metrics.reload_ok.set(1)
        self.metrics.reload_ts.set(time.time())
        self._inflight = 0
        self._lock = threading.Lock()
        self._reload_lock = threading.Lock()
        self.httpd: ThreadingHTTPServer | None = None
        self._retired: list[Runtime] = []
        from kmdiag import plugins

        plugins.load_builtins()  # once, before threads race to import the probe modules

    # -- configuration ---------------------------------------------------------------------
    def reload(self) -> bool:
        """Load the file again; on any error keep serving the old configuration (and say why)."""
        with self._reload_lock:
            try:
                cfg = load_config(self.config_path)
                if self.listen:
                    cfg.listen = self.listen
                if cfg.host_port != self.runtime.config.host_port:
                    log("reload: 'listen' changed; restart the exporter for that (the rest is applied)")
                new = Runtime.start(cfg)
            except ConfigError as exc:
                self.metrics.reload_ok.set(0)
                log(f"reload failed, keeping the previous configuration: {exc.message}")
                return False
            except Exception as exc:  # a demo shop failing to start, say
                self.metrics.reload_ok.set(0)
                log(f"reload failed, keeping the previous configuration: {type(exc).__name__}: {exc}")
                return False
            old, self.runtime = self.runtime, new
            self.pool.resize(cfg.browsers)
            self.metrics.reload_ok.set(1)
            self.metrics.reload_ts.set(time.time())
            # Probes already running finish with the old runtime; its demo shops stop once no scrape
            # can still be using them (or at exit, whichever comes first).
            self._retired.append(old)
            timer = threading.Timer(MAX_SCRAPE_TIMEOUT_S if old.demos else 0, old.stop)
            timer.daemon = True
            timer.start()
            log(f"configuration reloaded from {self.config_path}")
            return True

    # -- one scrape --------------------------------------------------------------------------
    def probe(self, query: dict[str, list[str]], headers: Any) -> tuple[int, bytes, str]:
        rt = self.runtime
        cfg = rt.config

        def one(key: str) -> str | None:
            v = query.get(key)
            return v[-1] if v else None

        module_name = one("module")
        if not module_name:
            return self._reject("bad-request", "missing module= (one of: " + ", ".join(sorted(cfg.modules)) + ")")
        module = cfg.modules.get(module_name)
        if module is None:
            return self._reject("unknown-module", f"unknown module '{module_name}'; configured: "
                                + ", ".join(sorted(cfg.modules)))
        profile = one("profile")
        if profile is not None and profile not in cfg.profiles:
            return self._reject("unknown-profile", f"unknown profile '{profile}'; configured: "
                                + (", ".join(sorted(cfg.profiles)) or "none"))
        target = one("target")
        if target is not None:
            if module.prober != "order":
                return self._reject("bad-request", f"module '{module_name}' takes no target (it reads its profile)")
            try:
                check_target(target, cfg.targets.allow, cfg.targets.max_length)
            except TargetRefused as exc:
                return self._reject("target-refused", f"target refused: {exc}")
        timeout = module.timeout_s if module.timeout_s else cfg.default_timeout_s
        hdr = headers.get("X-Prometheus-Scrape-Timeout-Seconds")
        if hdr:
            try:
                timeout = min(timeout, float(hdr))
            except ValueError:
                return self._reject("bad-request", "X-Prometheus-Scrape-Timeout-Seconds is not a number")
        else:
            timeout = min(timeout, cfg.default_timeout_s)
        timeout = min(MAX_SCRAPE_TIMEOUT_S, timeout - cfg.timeout_offset_s)
        if timeout <= 0.2:
            return self._reject("bad-request", "the scrape timeout leaves no time once timeout_offset_s is taken off")
        with self._lock:
            if self._inflight >= cfg.max_inflight:
                self.metrics.rejected.labels(reason="too-many-in-flight").inc()
                return 503, b"too many probes in flight (max_inflight)\n", "text/plain; charset=utf-8"
            self._inflight += 1
        started = time.monotonic()
        req = probes.ProbeRequest(module_name, module, profile, target, one("order"), one("since"),
                                  started, started + timeout)
        self.metrics.inflight.inc()
        try:
            return self._run(req, rt)
        finally:
            self.metrics.inflight.dec()
            with self._lock:
                self._inflight -= 1

    def _run(self, req: probes.ProbeRequest, rt: Runtime) -> tuple[int, bytes, str]:
        box: dict[str, Any] = {}

        def work() -> None:
            try:
                box["out"] = probes.run(req, rt, self.pool)
            except probes.ProbeUsage as exc:
                box["usage"] = str(exc)
            except Exception as exc:  # a bug: this scrape says so, the exporter keeps serving
                box["error"] = f"{type(exc).__name__}: {exc}"

        worker = threading.Thread(target=work, name=f"probe-{req.module_name}", daemon=True)
        worker.start()
        worker.join(max(0.0, req.deadline - time.monotonic()) + 0.1)  # the run's own budget ends first
        mod = req.module_name
        if "usage" in box:
            return self._reject("bad-request", box["usage"])
        if "out" in box:
            out: probes.Outcome = box["out"]
            body = generate_latest(out.registry)
            self.metrics.probes.labels(module=mod, result="success" if out.success else "failure").inc()
            for k, v in (out.compensation or {}).items():
                self.metrics.compensation.labels(outcome=k).inc(v)
        else:
            reason = "internal-error" if "error" in box else "deadline"
            if "error" in box:
                log(f"probe {mod} failed inside the exporter: {box['error']}")
            self.metrics.errors.labels(module=mod, reason=reason).inc()
            self.metrics.probes.labels(module=mod, result="error").inc()
            reg = M.new_registry()
            M.probe_basics(reg, success=False, duration_s=time.monotonic() - req.started, reason=reason,
                           timeout_s=req.deadline - req.started)
            body = generate_latest(reg)
        took = time.monotonic() - req.started
        self.metrics.duration.labels(module=mod).observe(took)
        log(f"probe module={mod} profile={req.profile or req.module.profile or '-'} "
            f"result={'ok' if 'out' in box and box['out'].success else 'fail'} "
            f"reason={box['out'].reason if 'out' in box else ('internal-error' if 'error' in box else 'deadline')} "
            f"took={took:.2f}s")
        return 200, body, CONTENT_TYPE_LATEST

    def _reject(self, reason: str, message: str) -> tuple[int, bytes, str]:
        self.metrics.rejected.labels(reason=reason).inc()
        return 400, (message + "\n").encode(), "text/plain; charset=utf-8"

    # -- serving -----------------------------------------------------------------------------
    def serve_forever(self) -> None:
        host, port = self.runtime.config.host_port
        self.httpd = _Server((host, port), _handler(self))
        log(f"listening on http://{host}:{self.httpd.server_address[1]} "
            f"(browsers: {self.pool.size}, modules: {', '.join(sorted(self.runtime.config.modules))})")
        if not self.runtime.config.targets.allow:
            log("no targets.allow in the configuration: order probes will visit any http(s) URL a scrape names; "
                "keep the exporter on loopback or a monitoring network, or list the shops in targets.allow")
        try:
            self.httpd.serve_forever(poll_interval=0.2)
        finally:
            self.httpd.server_close()
            for rt in [*self._retired, self.runtime]:
                rt.stop()

    def shutdown(self) -> None:
        if self.httpd is not None:
            threading.Thread(target=self.httpd.shutdown, daemon=True).start()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def server_bind(self) -> None:
        """Bind without ``HTTPServer``'s reverse lookup of its own address (``getfqdn``: a DNS query,
        seconds lost at start-up when the resolver is black-holed); the name only shows in error pages."""
        import socketserver

        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)


INDEX = """<html><head><title>kmdiag exporter</title></head><body><h1>kmdiag exporter</h1>
<p><a href="/metrics">/metrics</a> (the exporter itself)</p>
<p>/probe?module=order&amp;target=URL[&amp;profile=NAME] &middot; /probe?module=payment-sweep&amp;profile=NAME[&amp;since=1h]
&middot; /probe?module=payment&amp;profile=NAME&amp;order=ID</p></body></html>
"""


def _handler(exp: Exporter) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = f"kmdiag-exporter/{__version__}"
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # probes log their own line, without the URL
            return

        def _send(self, code: int, body: bytes, ctype: str) -> None:
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            parts = urlsplit(self.path)
            if parts.path == "/probe":
                try:
                    query = parse_qs(parts.query, keep_blank_values=True, max_num_fields=20)
                except ValueError:
                    self._send(400, b"too many query parameters\n", "text/plain; charset=utf-8")
                    return
                self._send(*exp.probe(query, self.headers))
            elif parts.path == "/metrics":
                self._send(200, generate_latest(exp.metrics.registry), CONTENT_TYPE_LATEST)
            elif parts.path in ("/-/healthy", "/-/ready"):
                self._send(200, b"OK\n", "text/plain; charset=utf-8")
            elif parts.path == "/":
                self._send(200, INDEX.encode(), "text/html; charset=utf-8")
            else:
                self._send(404, b"not found\n", "text/plain; charset=utf-8")

        do_HEAD = do_GET

        def do_POST(self) -> None:  # noqa: N802
            if urlsplit(self.path).path == "/-/reload":
                ok = exp.reload()
                self._send(200 if ok else 500, b"reloaded\n" if ok else b"reload failed; see the exporter's log\n",
                           "text/plain; charset=utf-8")
            else:
                self._send(405, b"only POST /-/reload\n", "text/plain; charset=utf-8")

    return Handler
