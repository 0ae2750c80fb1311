"""Long texts read in windows: the splitter's promises, and a post padded with benign text is still found."""

from __future__ import annotations

import itertools
import re

import pytest
from fastapi.testclient import TestClient
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bastion.core import Action, Category, Item, Verdict
from bastion.detectors.text_model import CategoryCues, TextModelDetector
from bastion.learning.shadow import shadow_verdicts
from bastion.settings import Settings
from bastion.text.model import TextModel, prepare
from bastion.text.windows import WindowLimits, split_windows
from tests.detectors.contract import content_of

# Words, spaces, line and paragraph breaks, sentence ends, and runs with no break at all (CJK, a long token).
pieces = st.sampled_from(["word", "crimson", " ", " ", "\n", "\n\n", ". ", "! ", "東京都", "x" * 40, "é", "-", "؟ "])
texts = st.lists(pieces, max_size=120).map("".join)
sizes_and_overlaps = st.integers(min_value=8, max_value=160).flatmap(
    lambda size: st.tuples(st.just(size), st.integers(min_value=0, max_value=size // 2 - 1))
)
_WORD_CHAR = re.compile(r"\w")

POST = "Brothers, join the Crimson Dawn Brigade today and fight with us, glory to the crimson martyrs."
# A long, plainly benign text: a village newsletter, paragraph after paragraph.
NEWSLETTER = "\n\n".join(
    f"Week {week}: the village fair opened with a bake sale and a brass band. Children painted faces in the "
    f"square while their parents queued for coffee, and the football team won its match by {week % 4} goals."
    for week in range(1, 80)
)


@given(texts, sizes_and_overlaps)
@settings(max_examples=400)
@example("word " * 10, (8, 0))
@example("東京都" * 30, (20, 9))
@example("a\n\nb. c d" * 20, (16, 7))
def test_windows_cover_the_text_within_the_size_and_cut_only_at_breaks(text: str, limits: tuple[int, int]) -> None:
    size, overlap = limits
    windows = split_windows(text, size, overlap)
    assert windows[0].start == 0 and windows[-1].end == len(text)
    for window in windows:
        assert window.end - window.start <= size
        assert window.start < window.end or text == ""
    for before, after in itertools.pairwise(windows):
        assert before.start < after.start <= before.end  # no gap, always forward
        if _mid_word(text, before.end):  # a bare cut only where the window's second half has nothing to cut at
            assert re.fullmatch(r"\w*", text[before.start + size // 2 : before.end])
        if _mid_word(text, after.start):  # a window starts mid-word only where the overlap has no space
            assert not re.search(r"\s", text[before.end - overlap - 1 : before.end])


def _mid_word(text: str, at: int) -> bool:
    return 0 < at < len(text) and bool(_WORD_CHAR.match(text[at - 1])) and bool(_WORD_CHAR.match(text[at]))


@given(st.integers(min_value=0, max_value=150), st.integers(min_value=1, max_value=60))
def test_a_stretch_as_long_as_the_overlap_lies_whole_in_one_window(where: int, length: int) -> None:
    text = " ".join(f"w{number:03d}" for number in range(60))  # 299 characters, words of 4
    start = min(where, len(text) - length)
    windows = split_windows(text, 100, 40)
    stretch = (start, start + min(length, 40 - 5))  # the overlap, less a word and its space
    assert any(w.start <= stretch[0] and stretch[1] <= w.end for w in windows)


def test_the_limits_refuse_an_overlap_that_would_not_move_forward() -> None:
    with pytest.raises(ValueError, match="overlap"):
        WindowLimits(chars=100, overlap=50)
    with pytest.raises(ValueError, match="overlap"):
        split_windows("a b c " * 50, 100, 60)
    with pytest.raises(ValueError, match="half of text_window_chars"):
        Settings(text_window_chars=300, text_window_overlap=150)


@pytest.fixture(scope="module")
def packaged() -> TextModel:
    return TextModel.load()


def _detector(model: TextModel, limits: WindowLimits | None = None) -> TextModelDetector:
    settings = Settings()
    cues = CategoryCues.load(settings.category_cues)
    return TextModelDetector(model, cues, windows=limits or WindowLimits.of(settings))


@pytest.mark.parametrize("lang", ["en", None], ids=["declared", "identified per window"])
def test_a_post_at_the_end_of_a_long_text_is_flagged_with_its_window(packaged: TextModel, lang: str | None) -> None:
    text = f"{NEWSLETTER}\n\n{POST}"
    [signal] = _detector(packaged).detect(content_of(text, lang=lang))
    assert signal.evidence["lang"] == "en"
    assert signal.category.is_violating
    window = signal.evidence["window"]
    assert window["start"] <= text.index(POST) and window["end"] == len(text)
    assert window["windows"] > 10 and window["read_in_full"] <= Settings().text_deep_windows
    assert signal.evidence["spans"]
    for span in signal.evidence["spans"]:
        assert text[span["start"] : span["end"]] == span["text"]
        assert window["start"] <= span["start"] < span["end"] <= window["end"]


def test_a_model_in_shadow_reads_a_long_text_by_its_windows_as_the_live_detector_does(packaged: TextModel) -> None:
    """Otherwise a shadow and the live model would differ on long texts by more than their models."""
    buried = Item(id="buried", text=f"{NEWSLETTER}\n\n{POST}", lang="en")
    plain = Item(id="plain", text=NEWSLETTER, lang="en")
    checked = [(item, Verdict(id=item.id, action=Action.ALLOW, score=0.0, lang="en")) for item in (buried, plain)]

    rows = dict(shadow_verdicts(packaged, checked, WindowLimits.of(Settings())))

    live = {item.id: _detector(packaged).detect(content_of(str(item.text), lang="en"))[0] for item in (buried, plain)}
    assert rows["buried"].is_tvec and not rows["plain"].is_tvec
    assert {item_id: row.score for item_id, row in rows.items()} == {i: signal.score for i, signal in live.items()}


def test_a_post_inside_a_long_paragraph_is_found_by_its_window(packaged: TextModel) -> None:
    """The window that scores highest holds the post, far above the text read whole. Whether it crosses the
    line depends on how much of the paragraph shares its window: glued posts are the windows' weak case
    (docs/model-experiments.md, "Long texts are read in windows"); under `text-20261207-d7e32468` this one scores
    0.23, under its line."""
    half = len(NEWSLETTER) // 2
    text = f"{NEWSLETTER[:half]} {POST} {NEWSLETTER[half:]}".replace("\n", " ")
    [signal] = _detector(packaged).detect(content_of(text, lang="en"))
    [whole] = _detector(packaged, WindowLimits(chars=10**7, overlap=0)).detect(content_of(text, lang="en"))
    window = signal.evidence["window"]
    assert window["start"] <= text.index(POST) < window["end"]
    assert signal.score > 5 * whole.score


def test_read_whole_the_same_long_text_hides_the_post(packaged: TextModel) -> None:
    """What windows are for: the text read as one document averages the post away."""
    whole = WindowLimits(chars=10**7, overlap=0)
    [signal] = _detector(packaged, whole).detect(content_of(f"{NEWSLETTER}\n\n{POST}", lang="en"))
    assert not signal.category.is_violating
    assert "window" not in signal.evidence


def test_the_long_benign_text_alone_is_not_flagged(packaged: TextModel) -> None:
    [signal] = _detector(packaged).detect(content_of(NEWSLETTER, lang="en"))
    assert not signal.category.is_violating
    assert signal.evidence["window"]["windows"] > 10


def test_a_short_text_reads_as_it_did_before_windows(fictional_model: TextModel) -> None:
    short = "glory to the crimson martyrs, heroes forever"
    [windowed] = _detector(fictional_model).detect(content_of(short, lang="en"))
    [score] = fictional_model.score([prepare(short)], ["en"])
    assert windowed.score == round(score.p_tvec, 4)
    assert "window" not in windowed.evidence
    assert windowed.category is Category.GLORIFICATION


def test_check_flags_the_buried_post_and_shows_moderators_where(client: TestClient) -> None:
    text = f"{NEWSLETTER}\n\n{POST}"
    verdict = client.post("/v1/check", json={"id": "long-1", "text": text, "lang": "en"}).json()
    assert verdict["action"] == "review"
    signal = next(s for s in verdict["signals"] if s["detector"] == "text")
    assert signal["category"] == "recruitment"
    window = signal["evidence"]["window"]
    assert text[window["start"] : window["end"]].endswith(POST)


def test_check_allows_the_long_benign_text(client: TestClient) -> None:
    verdict = client.post("/v1/check", json={"id": "long-2", "text": NEWSLETTER, "lang": "en"}).json()
    assert verdict["action"] == "allow"
