"""The contract every detector keeps. A detector's tests subclass `DetectorContract`."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bastion.core import Item, Signal
from bastion.detectors.base import Content, Detector, TextField
from bastion.text.normalise import normalise


def content_of(text: str, lang: str | None = None, **item_fields: object) -> Content:
    item = Item.model_validate({"id": "t", "text": text, "lang": lang, **item_fields})
    return Content(item=item, texts=(TextField("text", text, normalise(text)),), lang=lang)


class DetectorContract:
    """Subclasses set `detector()` and `flagged_text`, a text the detector must flag."""

    flagged_text: str

    def detector(self) -> Detector:
        raise NotImplementedError

    def test_flags_its_example_with_a_valid_signal(self) -> None:
        signals = self.detector().detect(content_of(self.flagged_text))
        assert signals, "the detector's own example produced no signal"
        for signal in signals:
            assert isinstance(signal, Signal)
            assert signal.detector == self.detector().name
            assert signal.version
            assert 0.0 <= signal.score <= 1.0

    def test_is_deterministic(self) -> None:
        detector = self.detector()
        content = content_of(self.flagged_text)
        assert detector.detect(content) == detector.detect(content)

    def test_spans_point_into_the_original_text(self) -> None:
        for signal in self.detector().detect(content_of(self.flagged_text)):
            for span in signal.evidence.get("spans", []):
                assert 0 <= span["start"] < span["end"] <= len(self.flagged_text)
                assert self.flagged_text[span["start"] : span["end"]] == span["text"]

    # Each subclass runs this same method with its own detector; no state is shared.
    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.differing_executors])
    @given(st.text(max_size=300))
    def test_never_raises_on_any_text(self, text: str) -> None:
        for signal in self.detector().detect(content_of(text or " ")):
            assert 0.0 <= signal.score <= 1.0
