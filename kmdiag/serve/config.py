"""The exporter's configuration file: modules, profiles, the browser pool, the target allow-list.

Why its own schema (not CLI flags): an exporter is started once by a service manager and reloaded
with SIGHUP; everything a probe may do must be written down ahead, so that a scrape URL can only
choose among configured modules and profiles. Secrets never appear here: profiles name environment
variables, and ``env:`` may only map one variable *name* to another. Every mistake is one
``file:line: what`` line (exit 2), like the profile loader's.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from kmdiag.errors import KmdiagError

PROBERS = ("order", "payment", "payment-sweep")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")


class ConfigError(KmdiagError):
    """The exporter's configuration file is wrong; the message names file and line."""


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DemoSource(_M):
    """A demo shop the exporter starts itself on loopback (for trying it out, and for the tests)."""

    command: Literal["order", "payment"] = "order"
    faults: list[str] = Field(default_factory=list)
    seed_orders: int = Field(0, ge=0, le=100_000, description="payment demos: unpaid orders to create for sweeps")
    seed_lost: int = Field(0, ge=0, description="of those, paid at the gateway only (掉单)")


class ProfileEntry(_M):
    profile: str | None = Field(None, description="Built-in profile NAME or a YAML PATH (relative to this file).")
    demo: DemoSource | None = None
    env: dict[str, str] = Field(default_factory=dict,
                                description="Profile variable NAME -> the variable NAME this exporter reads it from.")

    @model_validator(mode="after")
    def _one_source(self) -> ProfileEntry:
        if (self.profile is None) == (self.demo is None):
            raise ValueError("give exactly one of 'profile' (a NAME or PATH) or 'demo'")
        for k, v in self.env.items():
            if not _ENV_NAME.match(k) or not _ENV_NAME.match(v):
                raise ValueError(f"env: '{k}: {v}' must map a variable name to a variable name (never a secret value)")
        return self


class Compensation(_M):
    """Automatic 补单 after a sweep: off unless ``enabled``; ``dry_run`` logs what it would send."""

    enabled: bool = False
    dry_run: bool = True
    record_file: str = Field("kmdiag-compensation-sent.jsonl", description="Orders already re-notified (never twice).")
    audit_log: str = Field("kmdiag-compensation-audit.jsonl", description="One JSON line per decision.")
    max_per_probe: int = Field(5, ge=1, le=1000)
    max_per_hour: int = Field(20, ge=1, le=100_000)
    min_age_s: float = Field(120.0, ge=0, description="Leave the gateway's own retries this long after payment.")


class Module(_M):
    prober: Literal["order", "payment", "payment-sweep"] | None = Field(None, description="Default: the module's name.")
    timeout_s: float = Field(30.0, gt=0, le=600, description="Upper bound; the scrape timeout usually decides.")
    profile: str | None = Field(None, description="Default profile when the scrape names none.")
    layers: list[str] | None = Field(None, description="order/payment: layers to run (default all).")
    lang: Literal["zh", "en"] = "en"
    smoke: bool = Field(True, description="Report only what was observed (no diagnosis by elimination of the "
                                          "shopper's own browser, which a vantage point is not).")
    since: str = "2h"
    concurrency: int = Field(32, ge=1, le=1000)
    rate: float = Field(0.0, ge=0)
    compensate: Compensation = Field(default_factory=Compensation)

    @field_validator("layers")
    @classmethod
    def _layers(cls, v: list[str] | None) -> list[str] | None:
        from kmdiag.models import LAYERS

        bad = [x for x in v or [] if x not in LAYERS]
        if bad:
            raise ValueError(f"unknown layer '{bad[0]}'; layers: {', '.join(LAYERS)}")
        return v

    @field_validator("since")
    @classmethod
    def _since(cls, v: str) -> str:
        from kmdiag.payment.sweep_inputs import parse_since

        parse_since(v)
        return v


class Targets(_M):
    allow: list[str] = Field(default_factory=list,
                             description="Host patterns order targets may name (shop.example.com, *.example.com, host:port).")
    max_length: int = Field(2048, ge=16, le=16384)


class Config(_M):
    listen: str = Field("127.0.0.1:9477", description="host:port; keep it on loopback or a monitoring network.")
    timeout_offset_s: float = Field(0.5, ge=0, le=30, description="Kept back from the scrape timeout (blackbox's --timeout-offset).")
    default_timeout_s: float = Field(30.0, gt=0, le=600, description="When Prometheus sends no scrape timeout header.")
    browsers: int = Field(2, ge=1, le=64, description="At most this many order probes (browsers) at once.")
    max_inflight: int = Field(32, ge=1, le=1024, description="Probes of any module in flight; more get HTTP 503.")
    min_probe_s: float = Field(4.0, ge=0.1, le=60, description="A queued order probe gives up when less than this is left.")
    targets: Targets = Field(default_factory=Targets)
    profiles: dict[str, ProfileEntry] = Field(default_factory=dict)
    modules: dict[str, Module] = Field(default_factory=lambda: {n: Module() for n in PROBERS})

    @field_validator("listen")
    @classmethod
    def _listen(cls, v: str) -> str:
        host, sep, port = v.rpartition(":")
        if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
            raise ValueError(f"'{v}' is not host:port (e.g. 127.0.0.1:9477)")
        return v

    @property
    def host_port(self) -> tuple[str, int]:
        host, _, port = self.listen.rpartition(":")
        return host.strip("[]") or "127.0.0.1", int(port)


def parse_config(text: str, filename: str) -> Config:
    """Validate the YAML text; every error becomes ``filename:line: where: what``."""
    from kmdiag.profile.loader import _line_of

    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{filename}{line}: not valid YAML: {problem}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{filename}:1: the configuration must be a mapping (listen, browsers, profiles, modules)")
    try:
        cfg = Config.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(x for x in err.get("loc", ()) if not str(x).startswith("function-"))
        line = _line_of(root, loc) if root is not None else 1
        where = ".".join(str(x) for x in loc) or "(top level)"
        raise ConfigError(f"{filename}:{line}: {where}: {_message(err, loc)}") from None

    def fail(loc: tuple[Any, ...], msg: str) -> None:
        line = _line_of(root, loc) if root is not None else 1
        raise ConfigError(f"{filename}:{line}: {'.'.join(str(x) for x in loc)}: {msg}")

    for kind, names in (("profiles", cfg.profiles), ("modules", cfg.modules)):
        for n in names:
            if not _NAME.match(n):
                fail((kind, n), f"name '{n}': use lower-case letters, digits, '-' or '_'")
    for name, m in cfg.modules.items():
        if m.prober is None:
            if name not in PROBERS:
                fail(("modules", name), f"module '{name}' needs 'prober:' (one of {', '.join(PROBERS)})")
            m.prober = name  # type: ignore[assignment]
        if m.profile is not None and m.profile not in cfg.profiles:
            fail(("modules", name, "profile"), f"profile '{m.profile}' is not under 'profiles:'")
        if m.compensate.enabled and m.prober != "payment-sweep":
            fail(("modules", name, "compensate"), "only payment-sweep modules re-notify orders")
    return cfg


def _message(err: dict[str, Any], loc: tuple[Any, ...]) -> str:
    kind = err.get("type", "")
    if kind == "extra_forbidden" and loc:
        known = _known_at(loc[:-1])
        hint = difflib.get_close_matches(str(loc[-1]), known, n=1)
        did = f"; did you mean '{hint[0]}'?" if hint else ""
        return f"unknown key '{loc[-1]}'{did}" + (f" expected one of: {', '.join(known)}" if known else "")
    if kind == "missing":
        return "required but missing"
    return str(err.get("msg", "invalid value")).removeprefix("Value error, ")


def _known_at(loc: tuple[Any, ...]) -> list[str]:
    model: Any = Config
    for part in loc:
        field = model.model_fields.get(str(part)) if isinstance(model, type) and issubclass(model, BaseModel) else None
        if field is None:
            if model is Config:
                return []
            continue  # a dict key (profile or module name)
        ann = field.annotation
        nested = [a for a in (getattr(ann, "__args__", ()) or (ann,)) if isinstance(a, type) and issubclass(a, BaseModel)]
        if not nested:
            return []
        model = nested[0]
    return list(model.model_fields) if isinstance(model, type) and issubclass(model, BaseModel) else []


def load_config(path: str | Path) -> Config:
    """Read, validate and check every referenced profile loads; ConfigError (exit 2) otherwise."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{p}: cannot read: {exc}") from None
    cfg = parse_config(text, str(p))
    cfg_dir = p.resolve().parent
    for name, entry in cfg.profiles.items():
        if entry.profile is not None:
            entry.profile = _resolve_profile(entry.profile, cfg_dir)
            _check_profile(entry.profile, p, text, name)
        elif entry.demo is not None:
            _check_demo(entry.demo, p, text, name)
    for m in cfg.modules.values():
        for key in ("record_file", "audit_log"):
            v = getattr(m.compensate, key)
            if not Path(v).is_absolute():
                setattr(m.compensate, key, str(cfg_dir / v))
    return cfg


def _line(text: str, loc: tuple[Any, ...]) -> int:
    from kmdiag.profile.loader import _line_of

    return _line_of(yaml.compose(text, Loader=yaml.SafeLoader), loc)


def _resolve_profile(value: str, cfg_dir: Path) -> str:
    from kmdiag.profile.loader import builtin_profiles

    if value in builtin_profiles() and not Path(value).exists():
        return value
    candidate = Path(value)
    if not candidate.is_absolute():
        candidate = cfg_dir / candidate
    return str(candidate) if candidate.exists() or value.endswith((".yaml", ".yml")) else value


def _check_profile(source: str, path: Path, text: str, name: str) -> None:
    from kmdiag.profile.loader import load_profile

    try:
        load_profile(source)
    except KmdiagError as exc:
        line = _line(text, ("profiles", name, "profile"))
        raise ConfigError(f"{path}:{line}: profiles.{name}.profile: {exc.message}", hint=exc.hint) from None


def _check_demo(demo: DemoSource, path: Path, text: str, name: str) -> None:
    from kmdiag.demo.runtime import known_faults

    known = known_faults(demo.command)
    for f in demo.faults:
        if f not in known:
            hint = difflib.get_close_matches(f, known, n=1)
            line = _line(text, ("profiles", name, "demo", "faults"))
            raise ConfigError(f"{path}:{line}: profiles.{name}.demo.faults: unknown demo fault '{f}' for "
                              f"'{demo.command}'" + (f"; did you mean '{hint[0]}'?" if hint else ""),
                              hint="known faults: " + ", ".join(known))
    if demo.seed_lost > demo.seed_orders:
        line = _line(text, ("profiles", name, "demo", "seed_lost"))
        raise ConfigError(f"{path}:{line}: profiles.{name}.demo.seed_lost: more lost orders than seed_orders")
