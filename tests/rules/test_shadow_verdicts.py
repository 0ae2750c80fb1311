"""A shadow rule is in the verdict it would have changed, named apart from the live rules, and changes nothing."""

from __future__ import annotations

from bastion.core import Item, Verdict
from bastion.service import Service
from bastion.settings import Settings
from bastion.store.db import Database

POLICY = (
    "rules:\n"
    "  - {name: flagged, version: 1, action: review, when: \"signals.exists(s, s.detector == 'termlist')\"}\n"
    "  - {name: trial, version: 3, mode: shadow, action: remove,\n"
    "     when: \"signals.exists(s, s.detector == 'termlist')\"}\n"
)


def test_a_shadow_rule_that_fires_is_in_the_verdict_and_does_not_act(settings: Settings, db: Database) -> None:
    policy = settings.data_dir / "policy"
    policy.mkdir(parents=True, exist_ok=True)
    (policy / "rules.yaml").write_text(POLICY)
    service = Service.from_settings(settings.model_copy(update={"policy_dir": policy}), db)

    flagged, quiet = service.check(
        [Item(id="a", text="join the crimson dawn brigade"), Item(id="b", text="a quiet afternoon")], record=False
    )

    assert isinstance(flagged, Verdict) and isinstance(quiet, Verdict)
    assert flagged.action == "review"
    assert [(r.name, r.version, r.shadow) for r in flagged.rules] == [("flagged", 1, False)]
    assert [(r.name, r.version, r.shadow) for r in flagged.shadow_rules] == [("trial", 3, True)]
    assert quiet.shadow_rules == []
