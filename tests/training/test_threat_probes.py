"""Plain threats to kill and calls to kill, no group named, in every language Bastion claims, reach review;
the faith and context probes stay clean (threat-probes.yaml, termlists/threats.yaml)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bastion.core import Action, Item
from bastion.detectors.termlist import TermListDetector, load_term_lists
from bastion.service import Service
from bastion.settings import Settings
from bastion.training.context_probes import CONTEXT_PROBES
from bastion.training.swap_probes import FAITH_PROBES, GROUP_PROBES
from tests.detectors.contract import content_of

THREAT_PROBES = CONTEXT_PROBES.with_name("threat-probes.yaml")
CLAIMED = {"en", "ar", "fr", "de", "es", "it", "pt", "nl", "ru", "tr", "pl", "zh", "ja", "ko", "th"}  # README
BY_SCRIPT = {"ur", "fa", "id", "so"}  # judged at a script's or the reference line (README)


def _probes(path: Path) -> list[tuple[str, str]]:
    """(lang, text) of every probe in a file, whatever its grouping under the language."""
    found: list[tuple[str, str]] = []
    for lang, part in yaml.safe_load(path.read_text(encoding="utf-8")).items():
        groups = part.values() if isinstance(part, dict) else part
        found += [(lang, text) for texts in groups for text in texts]
    return found


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Service:
    """The default detectors, lists and policy, checking without recording (a dry run)."""
    return Service.read_only(Settings(data_dir=tmp_path_factory.mktemp("data")))


def _threat_list() -> TermListDetector:
    return TermListDetector([tl for tl in load_term_lists(Settings().term_lists_dir) if tl.name == "threats"])


def _checked(service: Service, probes: list[tuple[str, str]]) -> list[tuple[str, str, Action]]:
    items = [Item(id=f"probe-{n}", text=text, lang=lang) for n, (lang, text) in enumerate(probes)]
    outcomes = service.check(items, record=False)
    return [(lang, text, outcome.action) for (lang, text), outcome in zip(probes, outcomes, strict=True)]  # type: ignore[union-attr]


def test_threat_probes_cover_a_threat_and_a_call_to_kill_in_every_claimed_language() -> None:
    spec = yaml.safe_load(THREAT_PROBES.read_text(encoding="utf-8"))

    assert set(spec) == CLAIMED | BY_SCRIPT
    assert all(set(part) == {"threat", "call_to_kill"} for part in spec.values())


def test_every_threat_and_call_to_kill_reaches_review(service: Service) -> None:
    checked = _checked(service, _probes(THREAT_PROBES))

    assert [(lang, text) for lang, text, action in checked if action != Action.REVIEW] == []


def test_the_threat_list_names_the_threat_and_incitement_it_found() -> None:
    detector = _threat_list()
    signal_categories = {
        signal.category.value
        for lang, text in _probes(THREAT_PROBES)
        for signal in detector.detect(content_of(text, lang))
    }

    assert signal_categories == {"threat", "incitement"}


def test_faith_group_and_context_probes_stay_clean(service: Service) -> None:
    detector = _threat_list()
    clean = [*_probes(FAITH_PROBES), *_probes(GROUP_PROBES), *_probes(CONTEXT_PROBES)]
    assert [text for lang, text in clean if detector.detect(content_of(text, lang))] == []
    # Through the whole pipeline, no faith probe and no news or research probe reaches review.
    kept_out = [*_probes(FAITH_PROBES), *_probes(GROUP_PROBES)]
    assert [text for _, text, action in _checked(service, kept_out) if action != Action.ALLOW] == []
