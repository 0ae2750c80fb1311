"""The packaged model on Bastion's own news, counter-speech and research sentences about terrorism."""

from __future__ import annotations

import pytest

from bastion.text.model import TextModel
from bastion.training.context_probes import context_probe_summary, context_probes


@pytest.fixture(scope="module")
def model() -> TextModel:
    return TextModel.load()


def test_no_news_or_research_about_terrorism_is_judged_tvec(model: TextModel) -> None:
    probes = context_probes(model)

    assert {"news", "counter_speech", "research_education"} <= {probe.context for probe in probes}
    assert [probe.text for probe in probes if probe.flagged and probe.context != "counter_speech"] == []


def test_the_packaged_model_records_what_its_probes_show(model: TextModel) -> None:
    assert model.metrics["context_probes"] == context_probe_summary(model)
