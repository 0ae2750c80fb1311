"""normalise → detect → decide: the one path every item takes (API, CLI, workers).

Everything here is a plain function of the item plus versioned configuration,
so a stored item can be replayed and its verdict explained.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from bastion.context import AppContext
from bastion.core import ContentError, Item, Kind, Signal, Verdict, tvec_score
from bastion.detectors.base import Content, Detector, Extractor, TextField
from bastion.metrics import DETECTOR_SECONDS, ITEMS_CHECKED, VERDICTS
from bastion.plugins import load_detectors, load_extractors
from bastion.rules import Policy
from bastion.text.langid import identify_language
from bastion.text.normalise import normalise


@dataclass
class Pipeline:
    detectors: Sequence[Detector]
    extractors: Sequence[Extractor]
    policy: Policy
    max_text_chars: int = 100_000

    @classmethod
    def from_context(cls, context: AppContext) -> Pipeline:
        return cls(
            detectors=load_detectors(context),
            extractors=load_extractors(context),
            policy=Policy.load(context.settings.policy_dir),
            max_text_chars=context.settings.max_text_chars,
        )

    def check(self, item: Item, now: datetime | None = None, platform: str | None = None) -> Verdict:
        return self.decide_many([self.prepare(item, platform)], now)[0]

    def decide_many(
        self,
        contents: Sequence[Content],
        now: datetime | None = None,
        *,
        counted: bool = True,
        between: Callable[[], None] | None = None,
    ) -> list[Verdict]:
        """Verdicts for items already prepared (so a caller can set aside the ones `prepare` refuses).

        `counted=False` keeps them out of the metrics: a process's warm-up is not traffic, and its first,
        slow pass through each detector is not a latency anyone waited for. `between` runs after each
        detector (the service's heavy lane paces its checks there)."""
        now = now or datetime.now(UTC)
        found: list[list[Signal]] = [[] for _ in contents]
        for detector in self.detectors:
            started = time.perf_counter()
            results = detector.detect_many(contents)
            if counted:
                DETECTOR_SECONDS.labels(detector.name).observe(time.perf_counter() - started)
            for signals, more in zip(found, results, strict=True):
                signals.extend(more)
            if between:
                between()
        verdicts = [self._decide(content, signals, now) for content, signals in zip(contents, found, strict=True)]
        if counted:
            ITEMS_CHECKED.inc(len(verdicts))
            for verdict in verdicts:
                VERDICTS.labels(verdict.action.value).inc()
        return verdicts

    def _decide(self, content: Content, signals: list[Signal], now: datetime) -> Verdict:
        decision = self.policy.decide(content.item, signals, content.lang)
        return Verdict(
            id=content.item.id,
            action=decision.action,
            score=tvec_score(signals),
            categories=decision.categories,
            priority=decision.priority,
            signals=signals,
            rules=decision.fired,
            shadow_rules=decision.shadow,
            rule_errors=decision.errors,
            lang=content.lang,
            policy_version=self.policy.version,
            decided_at=now,
        )

    def prepare(self, item: Item, platform: str | None = None) -> Content:
        """The item ready for detectors; `platform` (whose item it is) picks the hash banks that apply."""
        media = item.media.data() if item.media else None
        if not media and item.kind in (Kind.IMAGE, Kind.VIDEO):  # an empty file, or only a link to one
            raise ContentError(f"{item.kind.value} items need their media bytes; these are empty or missing")
        texts: dict[str, str] = {}
        if item.text:
            texts["text"] = item.text
        for key in ("title", "bio", "name"):
            value = item.metadata.get(key)
            if isinstance(value, str) and value:
                texts[key] = value
        if media:
            for extractor in self.extractors:
                texts.update(extractor.extract(item, media))
        for name, value in texts.items():
            if len(value) > self.max_text_chars:
                raise ContentError(f"{name} is {len(value)} characters; the limit is {self.max_text_chars}")
        fields = tuple(TextField(name, value, normalise(value)) for name, value in texts.items())
        # Identified on normalised text: "J O I N" or "j0in" would otherwise read as noise.
        lang = item.lang or (identify_language(" ".join(f.normalised.text for f in fields)) if fields else None)
        return Content(item=item, texts=fields, lang=lang, media=media, platform=platform)
