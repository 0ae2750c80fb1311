"""Rules read as: these rules plus this item give this verdict."""

from __future__ import annotations

from pathlib import Path

import pytest

from bastion.core import Action, Category, Item, Kind, Signal
from bastion.rules import Policy, PolicyError
from bastion.settings import Settings

ITEM = Item(id="i", text="example text", lang="en", metadata={"reports": 4})


def policy(tmp_path: Path, yaml_text: str) -> Policy:
    (tmp_path / "p.yaml").write_text(yaml_text)
    return Policy.load(tmp_path)


def signal(category: str, score: float, detector: str = "text", **evidence: object) -> Signal:
    return Signal(detector=detector, version="1", category=Category(category), score=score, evidence=evidence)


def test_default_policy_reviews_exactly_when_a_detector_judged_tvec() -> None:
    default = Policy.load(Settings().policy_dir)
    assert default.decide(ITEM, [signal("incitement", 0.7)], "en").action is Action.REVIEW
    assert default.decide(ITEM, [signal("news", 0.7)], "en").action is Action.ALLOW
    assert default.decide(ITEM, [signal("counter_speech", 0.4)], "en").action is Action.ALLOW
    assert default.decide(ITEM, [], "en").action is Action.ALLOW


def test_default_policy_removes_only_exact_known_content() -> None:
    default = Policy.load(Settings().policy_dir)
    exact = default.decide(ITEM, [signal("propaganda", 1.0, "hashes", exact=True)], None)
    near = default.decide(ITEM, [signal("propaganda", 0.8, "hashes", distance=14)], None)
    assert exact.action is Action.REMOVE
    assert near.action is Action.REVIEW
    assert near.priority == 60


def test_strictest_live_rule_wins_and_categories_come_from_rules(tmp_path: Path) -> None:
    rules = policy(
        tmp_path,
        """
rules:
  - {name: many-reports, version: 3, when: "has(item.metadata.reports) && item.metadata.reports > 3",
     action: review, categories: [threat], priority: 20}
  - {name: very-high, version: 1, when: "max_score > 0.95", action: remove}
""",
    )
    decision = rules.decide(ITEM, [signal("glorification", 0.99)], "en")
    assert decision.action is Action.REMOVE
    assert set(decision.categories) == {Category.THREAT, Category.GLORIFICATION}
    assert [(r.name, r.version) for r in decision.fired] == [("many-reports", 3), ("very-high", 1)]


def test_shadow_rules_are_recorded_but_change_nothing(tmp_path: Path) -> None:
    rules = policy(
        tmp_path,
        """
rules:
  - {name: trial, version: 1, mode: shadow, when: "size(signals) > 0", action: remove}
""",
    )
    decision = rules.decide(ITEM, [signal("incitement", 0.9)], "en")
    assert decision.action is Action.ALLOW
    assert [r.name for r in decision.shadow] == ["trial"]
    assert decision.shadow[0].shadow is True
    assert decision.fired == []


def test_a_missing_key_does_not_fire_and_is_reported(tmp_path: Path) -> None:
    rules = policy(
        tmp_path,
        """
rules:
  - {name: careless, version: 1, when: "item.metadata.country == 'xx'", action: remove}
""",
    )
    decision = rules.decide(Item(id="n", text="t"), [], None)
    assert decision.action is Action.ALLOW
    assert decision.errors and "careless" in decision.errors[0]


def test_an_item_no_rule_can_read_goes_to_review_not_through(tmp_path: Path) -> None:
    rules = policy(tmp_path, "rules:\n  - {name: titled, version: 1, when: 'has(item.metadata.title)', action: allow}")
    unreadable = Item.model_construct(id="u", kind=Kind.TEXT, text="t", metadata={"title": "\ud800"})

    decision = rules.decide(unreadable, [signal("news", 0.9)], "en")

    assert decision.action is Action.REVIEW
    assert decision.errors and "cannot be read" in decision.errors[0]


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        ("rules:\n  - {name: a, version: 1, when: 'signals.exists(s, ', action: review}", "invalid CEL"),
        ("rules:\n  - {name: a, version: 1, when: 'true', action: obliterate}", "rule 'a': action"),
        ("rules:\n  - {name: a, version: 0, when: 'true', action: review}", "version"),
        ("rules:\n  - {name: a, version: 1, when: 'true', action: review, colour: red}", "colour"),
        (
            "rules:\n  - {name: a, version: 1, when: 'true', action: review}\n"
            "  - {name: a, version: 2, when: 'true', action: review}",
            "defined twice",
        ),
        ("rules: [", "not valid YAML"),
    ],
)
def test_invalid_policy_files_are_refused_with_a_clear_message(tmp_path: Path, yaml_text: str, message: str) -> None:
    with pytest.raises(PolicyError, match=r"p\.yaml|defined twice") as raised:
        policy(tmp_path, yaml_text)
    assert message in str(raised.value)


def test_the_policy_version_changes_with_any_edit(tmp_path: Path) -> None:
    first = policy(tmp_path, "rules:\n  - {name: a, version: 1, when: 'true', action: review}\n")
    second = policy(tmp_path, "rules:\n  - {name: a, version: 1, when: 'false', action: review}\n")
    assert first.version != second.version


def test_a_rule_reads_every_evidence_key_and_field_it_names(tmp_path: Path) -> None:
    rules = policy(
        tmp_path,
        """
rules:
  - {name: listed, version: 1, action: review,
     when: 'signals.exists(s, "demo" in s.evidence.lists && s.evidence["spans"].size() == 1)'}
  - {name: reported, version: 1, action: review, when: "item.metadata.reports > 3 && lang == 'en'"}
""",
    )
    spans = [{"field": "text", "start": 0, "end": 4}]
    decision = rules.decide(ITEM, [signal("recruitment", 0.6, "termlist", lists=["demo"], spans=spans)], "en")

    assert [r.name for r in decision.fired] == ["listed", "reported"]
    assert decision.errors == []


def test_a_key_no_rule_names_is_not_in_the_context(tmp_path: Path) -> None:
    rules = policy(
        tmp_path,
        """
rules:
  - {name: wide, version: 1, action: review, when: 'signals.exists(s, s.evidence.size() > 1)'}
""",
    )
    decision = rules.decide(ITEM, [signal("incitement", 0.6, p_fast=0.2, p_deep=0.9)], "en")

    assert decision.fired == []
    assert decision.errors == []
