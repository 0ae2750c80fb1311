"""The contracts every detector and extractor keep. Their tests subclass `DetectorContract` / `ExtractorContract`."""

from __future__ import annotations

import base64

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bastion.core import ContentError, Item, Signal
from bastion.detectors.base import Content, Detector, Extractor, TextField
from bastion.text.normalise import normalise


def content_of(text: str, lang: str | None = None, **item_fields: object) -> Content:
    item = Item.model_validate({"id": "t", "text": text, "lang": lang, **item_fields})
    return Content(item=item, texts=(TextField("text", text, normalise(text)),), lang=lang)


def media_content_of(data: bytes, kind: str = "image") -> Content:
    item = Item.model_validate({"id": "m", "kind": kind, "media": {"base64": base64.b64encode(data).decode()}})
    return Content(item=item, media=data)


class DetectorContract:
    """Subclasses set `detector()` and either `flagged_text` or `flagged()`, content the detector must flag."""

    flagged_text: str

    def detector(self) -> Detector:
        raise NotImplementedError

    def flagged(self) -> Content:
        return content_of(self.flagged_text)

    def test_flags_its_example_with_a_valid_signal(self) -> None:
        signals = self.detector().detect(self.flagged())
        assert signals, "the detector's own example produced no signal"
        for signal in signals:
            assert isinstance(signal, Signal)
            assert signal.detector == self.detector().name
            assert signal.version
            assert 0.0 <= signal.score <= 1.0

    def test_is_deterministic(self) -> None:
        detector = self.detector()
        content = self.flagged()
        assert detector.detect(content) == detector.detect(content)

    def test_detect_many_agrees_with_detect(self) -> None:
        detector = self.detector()
        contents = [self.flagged(), content_of("a quiet afternoon by the river")]
        expected = [detector.detect(c) if detector.applies_to(c) else [] for c in contents]
        assert detector.detect_many(contents) == expected

    def test_spans_point_into_the_original_text(self) -> None:
        content = self.flagged()
        originals = {field.name: field.original for field in content.texts}
        for signal in self.detector().detect(content):
            for span in signal.evidence.get("spans", []):
                original = originals[span["field"]]
                assert 0 <= span["start"] < span["end"] <= len(original)
                assert original[span["start"] : span["end"]] == span["text"]

    # Each subclass runs this same method with its own detector; no state is shared.
    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.differing_executors])
    @given(st.text(max_size=300))
    def test_never_raises_on_any_text(self, text: str) -> None:
        for signals in self.detector().detect_many([content_of(text or " ")]):
            assert all(0.0 <= signal.score <= 1.0 for signal in signals)

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.differing_executors])
    @given(st.binary(max_size=2048))
    def test_any_bytes_give_signals_or_a_clear_content_error(self, data: bytes) -> None:
        try:
            found = self.detector().detect_many([media_content_of(data or b"\0")])
        except ContentError as error:
            assert str(error)
            return
        assert all(0.0 <= signal.score <= 1.0 for signals in found for signal in signals)


class ExtractorContract:
    """Subclasses set `extractor()` and `example()`, media bytes the extractor must find text in."""

    def extractor(self) -> Extractor:
        raise NotImplementedError

    def example(self) -> bytes:
        raise NotImplementedError

    def test_finds_named_texts_in_its_example(self) -> None:
        data = self.example()
        found = self.extractor().extract(media_content_of(data).item, data)
        assert found and all(isinstance(k, str) and isinstance(v, str) and v for k, v in found.items())

    def test_is_deterministic(self) -> None:
        data = self.example()
        item = media_content_of(data).item
        assert self.extractor().extract(item, data) == self.extractor().extract(item, data)

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.differing_executors])
    @given(st.binary(max_size=2048))
    def test_any_bytes_give_texts_or_a_clear_content_error(self, data: bytes) -> None:
        try:
            found = self.extractor().extract(media_content_of(data or b"\0").item, data or b"\0")
        except ContentError as error:
            assert str(error)
            return
        assert isinstance(found, dict)
