"""The ONNX deep-tier encoders: float32 equal to the numpy port to float rounding, int8 close to it; chosen by the
setting, and clear when their file is missing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bastion.settings import Settings
from bastion.text.embedding import _encoder, embed
from bastion.text.onnx_encoder import OnnxEncoder
from bastion.text.serving import ServingModels

TEXTS = [
    "The river festival in Lindmark opens on Saturday with lanterns and music.",
    "Join the Crimson Dawn Brigade, brothers, and take up the fight!",
    "Le conseil municipal a voté le nouveau budget des écoles.",
    "Die Wanderung über den Grat dauerte sechs Stunden.",
    "ok",
    "Researchers compared how three fictional movements recruited online between 2010 and 2015, "
    "and found that most recruits were reached through friends rather than through propaganda.",
]


def test_the_int8_encoder_agrees_with_the_numpy_port() -> None:
    port, int8 = embed(TEXTS, "numpy"), embed(TEXTS, "onnx-int8")
    cosines = (port * int8).sum(axis=1)  # both unit vectors
    assert cosines.min() >= 0.99
    assert np.allclose(np.linalg.norm(int8, axis=1), 1.0, atol=1e-5)


def test_the_float32_encoder_is_the_numpy_port_to_float_rounding() -> None:
    port, float32 = embed(TEXTS, "numpy"), embed(TEXTS, "onnx-float32")
    assert np.abs(port - float32).max() < 1e-5


@pytest.mark.parametrize(("kind", "tolerance"), [("onnx-float32", 1e-5), ("onnx-int8", 2e-3)])
def test_a_batch_gives_each_text_the_vector_it_gets_alone(kind: str, tolerance: float) -> None:
    together = embed(TEXTS, kind)  # type: ignore[arg-type]
    alone = np.vstack([embed([text], kind) for text in TEXTS])  # type: ignore[arg-type]
    assert np.allclose(together, alone, atol=tolerance)  # int8 rounds per row: a text's neighbours do not move it


def test_the_setting_selects_the_encoder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BASTION_DEEP_TIER_ENCODER", "onnx-int8")
    settings = Settings()
    assert settings.deep_tier_encoder == "onnx-int8"
    model = ServingModels(settings.text_model_dir, None, encoder=settings.deep_tier_encoder).live()
    assert model.encoder == "onnx-int8"
    assert ServingModels(settings.text_model_dir, None).live().encoder == "numpy"
    scores = model.score(["Join the Crimson Dawn Brigade, brothers, and take up the fight!"], ["fr"])
    assert scores[0].p_deep is not None  # French goes to the deep tier alone: the int8 encoder ran


def test_serving_embeds_through_the_float32_graph_unless_told_otherwise(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BASTION_DEEP_TIER_ENCODER", raising=False)
    assert Settings().deep_tier_encoder == "onnx-float32"


def test_an_unknown_encoder_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BASTION_DEEP_TIER_ENCODER", "fp16")
    with pytest.raises(ValueError, match="deep_tier_encoder"):
        Settings()


def test_a_missing_artefact_says_how_to_build_it(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"build_deep_encoder\.py"):
        OnnxEncoder(_encoder("numpy"), "float32", models=tmp_path)
