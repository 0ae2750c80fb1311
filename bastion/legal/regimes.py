"""Jurisdictions as data: each law's clocks, retention periods, disclosure rules and report contents in one YAML
file (`bastion/data/regimes/*.yaml`, or `BASTION_REGIMES_DIR`), so a new regime is a file, not code.

A file's `duties` become a `LegalRegime` (`FileRegime`); its `orders`, `preservation`, `disclosure` and
`report` sections are read by the workflows that need them (the order clock, the purge job, statements of
reasons, the transparency report). A duty `exempt_for` the platform's size (a setting: micro, small, medium,
large) is left out, as DSA Art 15(2) and Art 19 spare micro and small enterprises.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from bastion.legal.base import Duty, LegalEvent, LegalRegime, Occurrence

PACKAGED = Path(__file__).resolve().parents[1] / "data" / "regimes"
SIZES = ("micro", "small", "medium", "large")
_DURATION = re.compile(r"^\s*([0-9]{1,6})([mhdw])\s*$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


class RegimeError(ValueError):
    """A regime file that cannot be read, or a regime that is not there; the message names the file and field."""


def parse_duration(text: object) -> timedelta:
    """`30m`, `1h`, `183d`, `6w` as a timedelta; RegimeError for anything else."""
    match = _DURATION.match(str(text))
    if match is None:
        raise RegimeError(f"{text!r} is not a duration like 30m, 1h, 183d or 6w")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


@dataclass(frozen=True)
class DutyRule:
    """One duty as a file states it: on which event, under which facts, due or kept for how long."""

    name: str
    on: LegalEvent
    description: str
    basis: str
    when: Mapping[str, object] = field(default_factory=dict)
    due_after: timedelta | None = None
    keep_for: timedelta | None = None
    longer_on_request: str | None = None  # the fact naming a later keep-until an authority asked for
    exempt_for: frozenset[str] = frozenset()


@dataclass(frozen=True)
class OrderRules:
    """How a regime's removal orders run: the clock's period, its alerts, pauses and cross-border scrutiny."""

    deadline: timedelta
    restart_on_resume: bool
    alerts_before: tuple[timedelta, ...]
    pause_grounds: Mapping[str, str]  # ground -> the provision it comes from
    not_executed_reasons: tuple[str, ...]
    grounds: Mapping[str, str]  # e.g. Art 2(7)(a)-(e)
    actions: tuple[str, ...]
    scrutiny_window: timedelta | None


@dataclass(frozen=True)
class RegimeData:
    name: str
    title: str
    source: str
    duties: tuple[DutyRule, ...]
    orders: OrderRules | None
    keep_for: timedelta | None  # preservation of what was removed under an order
    member_states: frozenset[str]
    disclosure: Mapping[str, Any]
    report: Mapping[str, Any]
    complaints: Mapping[str, Any] = field(default_factory=dict)  # windows and answer times (DSA Art 20, TCO Art 10)


class FileRegime(LegalRegime):
    """A `LegalRegime` whose duties come from a regime file."""

    def __init__(self, data: RegimeData, enterprise_size: str = "large") -> None:
        self.data = data
        self.name, self.title = data.name, data.title
        self.enterprise_size = enterprise_size

    def duties(self, occurrence: Occurrence) -> list[Duty]:
        return [
            self._duty(rule, occurrence)
            for rule in self.data.duties
            if rule.on is occurrence.event
            and self.enterprise_size not in rule.exempt_for
            and all(occurrence.facts.get(key) == value for key, value in rule.when.items())
        ]

    def _duty(self, rule: DutyRule, occurrence: Occurrence) -> Duty:
        keep_until = occurrence.at + rule.keep_for if rule.keep_for else None
        requested = occurrence.facts.get(rule.longer_on_request) if rule.longer_on_request else None
        if keep_until is not None and isinstance(requested, datetime) and requested > keep_until:
            keep_until = requested  # longer on an authority's request, never shorter
        return Duty(
            regime=self.name,
            name=rule.name,
            description=rule.description,
            basis=rule.basis,
            subject=occurrence.subject,
            due_at=occurrence.at + rule.due_after if rule.due_after else None,
            keep_until=keep_until,
        )


def regime_files(directory: Path | None = None) -> dict[str, RegimeData]:
    """Every regime file in the directory (the packaged ones by default), by regime name."""
    return dict(_read_all(directory or PACKAGED))


def load_regime(name: str, directory: Path | None = None) -> RegimeData:
    regimes = regime_files(directory)
    if name not in regimes:
        raise RegimeError(f"no regime {name!r}; known: {', '.join(sorted(regimes))}")
    return regimes[name]


def file_regimes(directory: Path | None = None, enterprise_size: str = "large") -> list[LegalRegime]:
    """A `LegalRegime` for every regime file, with the platform's size exemptions applied."""
    if enterprise_size not in SIZES:
        raise RegimeError(f"enterprise size {enterprise_size!r} is not one of {', '.join(SIZES)}")
    return [FileRegime(data, enterprise_size) for data in regime_files(directory).values()]


@cache
def _read_all(directory: Path) -> tuple[tuple[str, RegimeData], ...]:
    found = [_read(path) for path in sorted(directory.glob("*.yaml"))]
    return tuple((data.name, data) for data in found)


def _read(path: Path) -> RegimeData:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        if not isinstance(raw, dict):
            raise RegimeError("the file must hold a mapping")
        orders = raw.get("orders")
        preservation = raw.get("preservation") or {}
        return RegimeData(
            name=str(raw["name"]),
            title=str(raw["title"]),
            source=str(raw.get("source", "")),
            duties=tuple(_duty_rule(d) for d in raw.get("duties") or []),
            orders=_order_rules(orders) if orders else None,
            keep_for=parse_duration(preservation["keep_for"]) if "keep_for" in preservation else None,
            member_states=frozenset(str(s).upper() for s in raw.get("member_states") or []),
            disclosure=dict(raw.get("disclosure") or {}),
            report=dict(raw.get("report") or {}),
            complaints=dict(raw.get("complaints") or {}),
        )
    except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError) as error:
        raise RegimeError(f"{path}: {type(error).__name__}: {error}") from None


def _duty_rule(raw: dict[str, Any]) -> DutyRule:
    return DutyRule(
        name=str(raw["name"]),
        on=LegalEvent(raw["event"]),
        description=str(raw["description"]),
        basis=str(raw["basis"]),
        when=dict(raw.get("when") or {}),
        due_after=parse_duration(raw["due_after"]) if "due_after" in raw else None,
        keep_for=parse_duration(raw["keep_for"]) if "keep_for" in raw else None,
        longer_on_request=raw.get("longer_on_request"),
        exempt_for=frozenset(raw.get("exempt_for") or []),
    )


def _order_rules(raw: dict[str, Any]) -> OrderRules:
    alerts = sorted((parse_duration(a) for a in raw.get("alerts_before") or []), reverse=True)
    return OrderRules(
        deadline=parse_duration(raw["deadline"]),
        restart_on_resume=bool(raw.get("restart_on_resume", True)),
        alerts_before=tuple(alerts),
        pause_grounds={str(k): str(v) for k, v in (raw.get("pause_grounds") or {}).items()},
        not_executed_reasons=tuple(str(r) for r in raw.get("not_executed_reasons") or []),
        grounds={str(k): str(v) for k, v in (raw.get("grounds") or {}).items()},
        actions=tuple(str(a) for a in raw.get("actions") or ["remove"]),
        scrutiny_window=parse_duration(raw["scrutiny_window"]) if raw.get("scrutiny_window") else None,
    )
