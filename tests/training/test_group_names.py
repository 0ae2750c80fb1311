"""No sentence about an armed group is TVEC for the group it names: news, counter-speech and research
that differ only in the name (`bastion/data/text/group-probes.yaml`, never trained on)."""

from __future__ import annotations

from bastion.text.model import TextModel
from bastion.training.swap_probes import GROUP_PROBES, swap_probes


def test_the_packaged_model_flags_no_sentence_for_the_group_it_names() -> None:
    probes = swap_probes(TextModel.load(), GROUP_PROBES)

    assert len(probes) >= 8
    assert [probe.texts[0] for probe in probes if probe.flagged] == []
