"""The shipped model reads its layers exactly as scikit-learn trained them, so every threshold drawn on
out-of-fold predictions holds for the scores the packaged model gives."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression, SGDClassifier

from bastion.text.model import TextModel
from bastion.training.tiers import head_of

_RNG = np.random.default_rng(3)
_X = _RNG.normal(size=(240, 6))
_SIX = _RNG.integers(0, 6, 240)


@pytest.mark.parametrize(
    "model, labels",
    [
        (SGDClassifier(loss="log_loss", random_state=0), _SIX),  # one label against the rest
        (LogisticRegression(max_iter=1000), _SIX),  # jointly (softmax)
        (SGDClassifier(loss="log_loss", random_state=0), np.where(_SIX < 3, 0, 4)),  # two labels
        (LogisticRegression(max_iter=1000), np.where(_SIX < 3, 0, 4)),
    ],
)
def test_a_head_gives_the_probabilities_its_trained_model_predicts(
    model: SGDClassifier | LogisticRegression, labels: np.ndarray
) -> None:
    model.fit(_X, labels)

    head = head_of(model, _X.shape[1])

    assert np.allclose(head.probabilities(_X)[:, model.classes_], model.predict_proba(_X), atol=1e-6)


def test_the_packaged_fast_tier_is_read_one_label_against_the_rest() -> None:
    model = TextModel.load()

    assert model.fast.trained_one_vs_rest
    assert model.deep is None or not model.deep.trained_one_vs_rest
