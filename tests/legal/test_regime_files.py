"""Jurisdictions are data: every regime is a YAML file; a new one needs no code; exemptions are settings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bastion.legal.base import LegalEvent, Occurrence
from bastion.legal.regimes import PACKAGED, RegimeError, file_regimes, load_regime, parse_duration, regime_files

AT = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def test_the_packaged_regimes_load_with_their_clocks() -> None:
    regimes = regime_files()
    assert {"eu-tco", "eu-dsa", "uk-osa", "au-osa"} <= set(regimes)
    tco, australia = regimes["eu-tco"].orders, regimes["au-osa"].orders
    assert tco is not None and australia is not None
    assert (tco.deadline, tco.restart_on_resume, tco.scrutiny_window) == (timedelta(hours=1), True, timedelta(hours=48))
    assert australia.deadline == timedelta(hours=24)  # Online Safety Act 2021 (Cth) s.109
    assert regimes["eu-tco"].keep_for == timedelta(days=183)
    assert regimes["uk-osa"].orders is None  # no fixed clock: "swiftly" (s.10(3)(b))


def test_a_new_regime_is_a_file_not_code(tmp_path: Path) -> None:
    (tmp_path / "xx-fictional.yaml").write_text(
        "name: xx-fictional\ntitle: A fictional online safety law\n"
        "orders: {deadline: 12h, alerts_before: [2h], grounds: {t: terrorist material}}\n"
        "duties:\n  - {name: remove_in_twelve_hours, event: order_received, description: remove it, "
        "basis: 'Fictional Act, s.1', due_after: 12h}\n"
    )
    [regime] = file_regimes(tmp_path)
    [duty] = regime.duties(Occurrence(LegalEvent.ORDER_RECEIVED, "item:f/p-1", AT))
    assert (duty.name, duty.due_at, duty.basis) == (
        "remove_in_twelve_hours",
        AT + timedelta(hours=12),
        "Fictional Act, s.1",
    )
    rules = load_regime("xx-fictional", tmp_path).orders
    assert rules is not None and rules.alerts_before == (timedelta(hours=2),)


def test_a_small_enterprise_is_spared_what_the_dsa_spares_it() -> None:
    restricted = Occurrence(LegalEvent.CONTENT_RESTRICTED, "item:f/p-1", AT)
    large = {r.name: r for r in file_regimes(PACKAGED, "large")}["eu-dsa"]
    small = {r.name: r for r in file_regimes(PACKAGED, "small")}["eu-dsa"]
    assert "submit_to_transparency_database" in {d.name for d in large.duties(restricted)}  # Art 24(5)
    assert {d.name for d in small.duties(restricted)} == {"statement_of_reasons"}  # Art 19 spares the rest
    tco = {r.name: r for r in file_regimes(PACKAGED, "micro")}["eu-tco"]
    assert tco.duties(Occurrence(LegalEvent.ORDER_RECEIVED, "item:f/p-1", AT))  # TCO has no size exemption


def test_a_broken_regime_file_is_named_with_what_is_wrong(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("name: bad\ntitle: Bad\norders: {deadline: soon}\n")
    with pytest.raises(RegimeError, match=r"bad\.yaml.*'soon' is not a duration"):
        regime_files(tmp_path)
    with pytest.raises(RegimeError, match="enterprise size"):
        file_regimes(PACKAGED, "huge")


@given(st.integers(0, 999_999), st.sampled_from("mhdw"))
def test_durations_parse_in_every_unit(amount: int, unit: str) -> None:
    seconds = {"m": 60, "h": 3600, "d": 86_400, "w": 604_800}[unit]
    assert parse_duration(f"{amount}{unit}") == timedelta(seconds=amount * seconds)


@given(st.text(max_size=12))
def test_anything_else_is_refused_as_a_duration(text: str) -> None:
    stripped = text.strip()
    if stripped[:-1].isascii() and stripped[:-1].isdigit() and stripped[-1:] in set("mhdw") and len(stripped) <= 7:
        return
    with pytest.raises(RegimeError):
        parse_duration(text)
