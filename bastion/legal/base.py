"""The one interface every legal regime implements, and the vocabulary it speaks.

A regime is a plain function of what happened: given an `Occurrence` (a removal
order received, content restricted or reinstated), it says which `Duty`s follow,
when each falls due, and the provision each comes from. It stores nothing and
sends nothing; the workflows built on it (clocks, notices, statements of
reasons, reports) do that, so every duty can be recomputed and explained.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class LegalEvent(StrEnum):
    ORDER_RECEIVED = "order_received"  # an authority's removal order reached the platform
    CONTENT_RESTRICTED = "content_restricted"  # removed, disabled, geo-blocked or labelled
    CONTENT_REINSTATED = "content_reinstated"  # a restriction was reversed (appeal, complaint, review)


@dataclass(frozen=True)
class Occurrence:
    """Something that happened to one subject (`item:<platform>/<id>`), with the facts a regime may need."""

    event: LegalEvent
    subject: str
    at: datetime
    facts: Mapping[str, object] = field(default_factory=dict)  # e.g. {"removal_order": True}


@dataclass(frozen=True)
class Duty:
    """What the platform must do about a subject, by when, and under which provision."""

    regime: str
    name: str  # stable identifier, e.g. "remove_within_one_hour"
    description: str
    basis: str  # the provision, cited as the official text cites it
    subject: str
    due_at: datetime | None = None  # a deadline: act before it
    keep_until: datetime | None = None  # a retention: keep until then


class LegalRegime(ABC):
    """One law's duties. Registered in the `bastion.legal_regimes` entry-point group."""

    name: str  # short id, e.g. "eu-tco"
    title: str  # the law's name as the official text gives it

    @abstractmethod
    def duties(self, occurrence: Occurrence) -> list[Duty]:
        """The duties that follow from the occurrence; [] when this law says nothing about it."""
