"""The catalogue of demo faults. Each names the real misbehaviour it switches on and the cause a
correct diagnosis should find (used by docs and by the end-to-end tests, never by kmdiag itself)."""

from __future__ import annotations

from dataclasses import dataclass

from kmdiag.i18n import T


@dataclass(frozen=True)
class Fault:
    name: str
    command: str  # "order" | "payment"
    layer: str
    description: T
    expect: str | None  # the cause id a correct diagnosis puts first


FAULTS: dict[str, Fault] = {}


def register(name: str, command: str, layer: str, description: T, expect: str | None) -> None:
    key = f"{command}:{name}"
    if key in FAULTS:
        raise ValueError(f"demo fault registered twice: {key}")
    FAULTS[key] = Fault(name, command, layer, description, expect)


def for_command(command: str) -> dict[str, Fault]:
    return {f.name: f for f in FAULTS.values() if f.command == command}
