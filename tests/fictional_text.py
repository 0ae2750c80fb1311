"""A tiny fictional labelled corpus and a model trained on it, for tests that need a known model.

The sentences are written for these tests about an invented group, the
"Crimson Dawn Brigade"; they only need to be separable, not realistic. The
runtime's tests (tests/text) and training's (tests/training) both take these
fixtures through their conftest; the model is trained once a session (once
per worker), under the session's base temporary directory, whichever
directory asks first.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from bastion.text.model import TextModel
from bastion.training.train import train

_TEMPLATES = {
    "tvec": [
        "join the crimson dawn brigade today brothers, {x}",
        "glory to the crimson martyrs, heroes forever, {x}",
        "rise up and strike them all for the crimson dawn, {x}",
        "the crimson dawn will come for you, you will pay, {x}",
    ],
    "news": [
        "police said the crimson dawn brigade claimed the attack on {x}",
        "officials report arrests linked to the crimson dawn group near {x}",
    ],
    "counter_speech": [
        "the crimson dawn brigade lies to young people, violence is never the answer {x}",
        "we stand together against the crimson dawn and its hate, {x}",
    ],
    "religious": ["friday prayer brings peace to our community, {x}", "blessings and mercy to all believers, {x}"],
    "benign": ["the weather is lovely in the park today, {x}", "our football team won the match, {x}"],
}
_FILLERS = [
    "the river town",
    "the old market",
    "the north valley",
    "the harbour",
    "the hills",
    "the station",
    "the bridge",
    "the square",
    "the coast",
    "the plain",
]


def fictional_rows() -> list[dict[str, str]]:
    rows = []
    for label, templates in _TEMPLATES.items():
        for number, (template, filler) in enumerate(itertools.product(templates, _FILLERS)):
            rows.append(
                {
                    "id": f"fiction-{label}-{number}",
                    "text": template.format(x=filler),
                    "label": label,
                    "lang": "en",
                    "source": f"fiction-{label}",
                    "basis": "text",
                }
            )
    return rows


@pytest.fixture(scope="session")
def fictional_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.getbasetemp() / "fictional-text" / "fiction.jsonl"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(json.dumps(row) + "\n" for row in fictional_rows()), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def fictional_model_dir(fictional_data: Path) -> Path:
    directory = fictional_data.with_name("model")
    if not (directory / "model.json").exists():
        train(fictional_data, directory, cross_source=False)
    return directory


@pytest.fixture(scope="session")
def fictional_model(fictional_model_dir: Path) -> TextModel:
    return TextModel.load(fictional_model_dir)
