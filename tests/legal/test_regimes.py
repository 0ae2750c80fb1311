"""Legal regimes: each law's duties follow from what happened, dated and cited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bastion.legal.base import LegalEvent, Occurrence
from bastion.legal.eu_tco import EuTco
from bastion.plugins import load_legal_regimes

RECEIVED = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


def test_the_eu_tco_regime_is_found_through_its_entry_point() -> None:
    assert "eu-tco" in {regime.name for regime in load_legal_regimes()}


def test_a_removal_order_is_due_one_hour_after_receipt() -> None:
    [duty] = EuTco().duties(Occurrence(LegalEvent.ORDER_RECEIVED, "item:post-1", RECEIVED))
    assert duty.name == "remove_within_one_hour"
    assert duty.due_at == RECEIVED + timedelta(hours=1)
    assert duty.basis == "Regulation (EU) 2021/784, Art. 3(3)"
    assert duty.subject == "item:post-1"


def test_content_removed_on_an_order_is_preserved_six_months_and_its_provider_informed() -> None:
    removed = Occurrence(LegalEvent.CONTENT_RESTRICTED, "item:post-1", RECEIVED, {"removal_order": True})
    duties = {duty.name: duty for duty in EuTco().duties(removed)}
    assert set(duties) == {"preserve_removed_content", "inform_content_provider"}
    keep_until = duties["preserve_removed_content"].keep_until
    assert keep_until is not None and keep_until - RECEIVED >= timedelta(days=182)
    assert "Art. 6(2)" in duties["preserve_removed_content"].basis


def test_an_authority_can_ask_for_longer_preservation_never_shorter() -> None:
    longer = RECEIVED + timedelta(days=400)
    shorter = RECEIVED + timedelta(days=10)
    for requested, expected in ((longer, longer), (shorter, None)):
        facts = {"removal_order": True, "preserve_until": requested}
        duties = EuTco().duties(Occurrence(LegalEvent.CONTENT_RESTRICTED, "item:p", RECEIVED, facts))
        keep_until = next(d.keep_until for d in duties if d.name == "preserve_removed_content")
        assert keep_until == (expected or RECEIVED + timedelta(days=183))


def test_a_moderators_own_removal_owes_nothing_under_tco() -> None:
    own = Occurrence(LegalEvent.CONTENT_RESTRICTED, "item:p", RECEIVED, {"removal_order": False})
    assert EuTco().duties(own) == []
    assert EuTco().duties(Occurrence(LegalEvent.CONTENT_REINSTATED, "item:p", RECEIVED)) == []
