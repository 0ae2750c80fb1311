"""The written training sentences: well formed, stable, and apart from the probes that measure the model."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import yaml

from bastion.text.embedding import ENCODER_LANGUAGES
from bastion.text.model import LABELS, prepare
from bastion.training.copies import WrittenRows
from bastion.training.corpus import TVEC
from bastion.training.written import WRITTEN_EXAMPLES, written_examples

PROBE_FILES = ("context-probes.yaml", "tvec-probes.yaml", "group-probes.yaml", "faith-probes.yaml")
SHINGLE = 5  # words in a row that a written sentence must never share with a probe


def _probe_sentences() -> list[str]:
    def walk(node: object) -> list[str]:
        if isinstance(node, str):
            return [node]
        if isinstance(node, dict):
            return [text for value in node.values() for text in walk(value)]
        if isinstance(node, list):
            return [text for value in node for text in walk(value)]
        return []

    folder = WRITTEN_EXAMPLES.parent
    return [text for name in PROBE_FILES for text in walk(yaml.safe_load((folder / name).read_text("utf-8")))]


def _shingles(text: str) -> set[tuple[str, ...]]:
    words = prepare(text).split()
    return {tuple(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)}


def test_every_example_has_a_known_label_and_an_encoder_language() -> None:
    examples = written_examples()
    assert {example.label for example in examples} <= set(LABELS)
    assert {example.lang for example in examples} <= ENCODER_LANGUAGES
    counts = Counter((example.lang, example.label == LABELS[TVEC]) for example in examples)
    for lang in {example.lang for example in examples}:
        assert counts[(lang, True)] and counts[(lang, False)], f"{lang} needs both sides in the same words"


def test_the_same_file_gives_the_same_sentences() -> None:
    assert written_examples() == written_examples()
    assert len({example.text for example in written_examples()}) == len(written_examples())


def test_no_written_sentence_repeats_a_probe() -> None:
    probes = set().union(*(_shingles(text) for text in _probe_sentences()))
    shared = [example.text for example in written_examples() if _shingles(example.text) & probes]
    assert not shared, f"written sentences share {SHINGLE} words in a row with a probe: {shared[:3]}"


def test_a_template_with_an_undefined_slot_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "written.yaml"
    bad.write_text("en:\n  slots: {actor: [the Ashen Banner]}\n  templates:\n    news: ['{actor} near {place}']\n")
    with pytest.raises(ValueError, match="place"):
        written_examples(bad)


def test_every_model_trained_learns_from_all_written_rows_whatever_is_held_out() -> None:
    from scipy import sparse

    written = WrittenRows(np.array([0, 1, 5]), sparse.csr_matrix(np.eye(3)), weight=0.5)
    kept, labels, weights = written.joining(np.zeros(10, dtype=bool), np.zeros(10, dtype=int), np.ones(10))
    assert kept.all() and labels.tolist() == [0, 1, 5] and weights.tolist() == [0.5, 0.5, 0.5]
