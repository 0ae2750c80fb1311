"""Training names a model by its deep route too, and records what the route catches in model.json."""

from __future__ import annotations

import dataclasses

from bastion.text.model import DeepRoute, TextModel
from bastion.training.context_probes import tvec_probe_summary
from bastion.training.train import model_version


def test_the_route_is_part_of_the_models_name() -> None:
    model = TextModel.load()
    routed = dataclasses.replace(model, route=DeepRoute(frozenset({"fr"}), {"*": 0.5}))
    lines = (routed.fast, routed.deep, routed.deep_from, routed.thresholds, routed.deep_weight)

    moved = DeepRoute(frozenset({"fr"}), {"*": 0.6})

    assert model_version(*lines, routed.route) != model_version(*lines, moved)


def test_the_packaged_model_records_its_tvec_probes() -> None:
    packaged = TextModel.load()

    assert packaged.metrics["tvec_probes"] == tvec_probe_summary(packaged)
