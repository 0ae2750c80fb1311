"""The vocabulary every part of Bastion speaks: Item, Signal, Verdict, CaseState, Bank.

This module imports nothing from storage, the API, the web UI or workers; they
all import it. The JSON shapes of Item and Verdict are the public contract
documented in the README: extend them, never rename a field.
"""

from __future__ import annotations

import base64
import binascii
import re
from datetime import UTC, datetime
from enum import IntEnum, StrEnum
from typing import Annotated, Any, ClassVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StringConstraints,
    field_validator,
    model_validator,
)

from bastion.wire import value_count, without_surrogates

_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")

MAX_ID_LENGTH = 256
MAX_LANG_TAG = 16
# An item's own fields beyond the known ones (kept as metadata, read by rules, stored, audited): far more than
# any platform's post carries. Every one of them costs work in every rule and write; 0.96 MB of nested
# objects held a serving process for seconds.
MAX_METADATA_VALUES = 5_000
_NAMES = frozenset({"id", "author", "lang", "surface", "kind"})  # refused, not repaired, when not valid Unicode


def _printable(value: str) -> str:
    if not value.isprintable():
        raise ValueError("must contain only printable characters")
    return value


# A person's or platform's pseudonymous id as other systems send it: shown to moderators and
# written to logs, so no newlines, bidi overrides or terminal escapes.
Pseudonym = Annotated[str, StringConstraints(min_length=1, max_length=MAX_ID_LENGTH), AfterValidator(_printable)]


class Kind(StrEnum):
    TEXT = "text"
    IMAGE = "image"
    VIDEO = "video"
    URL = "url"
    PROFILE = "profile"


class Action(StrEnum):
    """What a verdict asks the platform to do, from mildest to strictest."""

    ALLOW = "allow"
    REVIEW = "review"
    REMOVE = "remove"

    @property
    def severity(self) -> int:
        return _ACTION_SEVERITY[self]

    @classmethod
    def strictest(cls, actions: list[Action]) -> Action:
        return max(actions, key=lambda a: a.severity, default=cls.ALLOW)


_ACTION_SEVERITY = {Action.ALLOW: 0, Action.REVIEW: 1, Action.REMOVE: 2}


class Category(StrEnum):
    """One taxonomy across detectors, rules, UI and reports (see DESIGN.md)."""

    # Violating, after the EU TCO Regulation Art. 2(7).
    INCITEMENT = "incitement"
    GLORIFICATION = "glorification"
    RECRUITMENT = "recruitment"
    INSTRUCTION = "instruction"
    THREAT = "threat"
    PROPAGANDA = "propaganda"
    ATTACK_FOOTAGE = "attack_footage"
    # Context that must not be removed for being about terrorism (TCO Art. 1(3)).
    NEWS = "news"
    RESEARCH_EDUCATION = "research_education"
    COUNTER_SPEECH = "counter_speech"
    ART = "art"
    RELIGIOUS = "religious"
    # Other policies' business, or nothing at all.
    HATE_NOT_TVEC = "hate_not_tvec"
    BENIGN = "benign"

    @property
    def is_violating(self) -> bool:
        return self in VIOLATING

    @property
    def is_protected(self) -> bool:
        return self in PROTECTED


VIOLATING: frozenset[Category] = frozenset(
    {
        Category.INCITEMENT,
        Category.GLORIFICATION,
        Category.RECRUITMENT,
        Category.INSTRUCTION,
        Category.THREAT,
        Category.PROPAGANDA,
        Category.ATTACK_FOOTAGE,
    }
)
PROTECTED: frozenset[Category] = frozenset(
    {
        Category.NEWS,
        Category.RESEARCH_EDUCATION,
        Category.COUNTER_SPEECH,
        Category.ART,
        Category.RELIGIOUS,
    }
)


class Priority(IntEnum):
    """Queue order: higher is more urgent. Legal orders outrank everything."""

    NONE = 0
    LOW = 10
    REPORT = 20
    HIGH_SCORE = 40
    HASH_MATCH = 60
    LEGAL_ORDER = 100


class Media(BaseModel):
    """Media bytes attached to an item.

    The API accepts `{"base64": ...}`; `bastion scan` accepts `{"path": ...}`,
    which the reader resolves to bytes before the item reaches the pipeline.
    """

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "anyOf": [
                {"required": [source], "properties": {source: {"type": "string", "minLength": 1}}}
                for source in ("base64", "path", "url")
            ]
        },
    )

    base64: str | None = None
    path: str | None = None
    content_type: str | None = None
    url: str | None = None

    _bytes: bytes | None = PrivateAttr(default=None)  # decoded once, here; hashing and preserving reuse it

    @model_validator(mode="after")
    def _one_source(self) -> Media:
        if not (self.base64 or self.path or self.url):
            raise ValueError("media needs one of 'base64', 'path' or 'url'")
        if self.base64:
            try:
                self._bytes = base64.b64decode(self.base64, validate=True)
            except (binascii.Error, ValueError) as error:
                raise ValueError(f"media.base64 is not valid base64: {error}") from None
        return self

    def data(self) -> bytes | None:
        """The media bytes, when they were sent inline."""
        return self._bytes


def container_problem(raw: Any) -> str | None:
    """What is wrong with an item's optional `container` ({id, name, description}), or None when it is fine."""
    if not isinstance(raw, dict) or not isinstance(raw.get("id"), str) or not 0 < len(raw["id"]) <= MAX_ID_LENGTH:
        return "container must be an object with an 'id' string of 1-256 characters"
    if not all(isinstance(raw.get(key, ""), str) for key in ("name", "description")):
        return "container 'name' and 'description' must be strings"
    return None


class Item(BaseModel):
    """One piece of content. Unknown top-level fields are kept in `metadata`."""

    # The schema says what the API takes: unknown fields (kept as metadata) and one of text, media or a url.
    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=False,
        json_schema_extra={
            "additionalProperties": True,
            "anyOf": [
                {"required": ["text"], "properties": {"text": {"type": "string"}}},
                {"required": ["media"], "properties": {"media": {"type": "object"}}},
                {"required": ["url"], "properties": {"url": {"not": {"type": "null"}}}},
            ],
        },
    )

    id: str = Field(min_length=1, max_length=MAX_ID_LENGTH)
    kind: Kind = Kind.TEXT
    text: str | None = None
    media: Media | None = None
    author: str | None = Field(default=None, max_length=MAX_ID_LENGTH)
    surface: str | None = Field(default=None, max_length=64)
    lang: str | None = Field(default=None, max_length=MAX_LANG_TAG)
    created_at: datetime | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)

    FIELDS: ClassVar[frozenset[str]] = frozenset(
        {"id", "kind", "text", "media", "author", "surface", "lang", "created_at", "metadata"}
    )

    @model_validator(mode="before")
    @classmethod
    def _extra_fields_to_metadata(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        held = value_count([data[k] for k in data if k not in cls.FIELDS or k == "metadata"])  # before any work
        if held > MAX_METADATA_VALUES:
            raise ValueError(f"metadata holds {held} values; the limit is {MAX_METADATA_VALUES}")
        # A lone surrogate ("\ud800" in JSON, half an emoji where a post was cut) is not Unicode: no
        # database, encoder or rule engine can hold it. Content is repaired (U+FFFD), not refused, so
        # that appending one cannot keep a post from being checked; ids and names are still refused.
        data = {
            key if key in _NAMES else without_surrogates(key): value if key in _NAMES else without_surrogates(value)
            for key, value in data.items()
        }
        extra = {k: v for k, v in data.items() if k not in cls.FIELDS}
        if not extra:
            return data
        known = {k: v for k, v in data.items() if k in cls.FIELDS}
        metadata = known.get("metadata") or {}
        if not isinstance(metadata, dict):
            return data  # let field validation report the wrong type
        known["metadata"] = {**extra, **metadata}
        return known

    @field_validator("id", "author")
    @classmethod
    def _printable_id(cls, value: str | None) -> str | None:
        return value if value is None else _printable(value)

    @field_validator("created_at", mode="before")
    @classmethod
    def _iso_time(cls, value: Any) -> Any:
        """A time is ISO 8601 text, as the contract says. Pydantic would also read a number, or digits, as Unix
        time (seconds or milliseconds, by its size), which the schema never promised: schemathesis sent 0."""
        if isinstance(value, int | float) or (isinstance(value, str) and _NUMBER.fullmatch(value.strip())):
            raise ValueError("a time is ISO 8601 text, such as 2024-05-01T12:00:00Z, not a number")
        return value

    @field_validator("created_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        """A time without a zone ("2024-05-01", most CSV and Parquet exports) is read as UTC."""
        return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value

    @model_validator(mode="after")
    def _has_content(self) -> Item:
        if self.text is None and self.media is None and not self.metadata.get("url"):
            raise ValueError("an item needs 'text', 'media' or a 'url' field")
        if "container" in self.metadata and (problem := container_problem(self.metadata["container"])):
            raise ValueError(problem)
        return self


class Signal(BaseModel):
    """What one detector says about one item.

    `evidence` is detector-specific but uses these keys where they apply:
    `spans` ([{field, start, end, text}] offsets into the original text),
    `match` (bank entry: bank, entry_id, labels, distance, hash), `exact`,
    `hashes`, `url`, `ocr_text`, `lang`, `model_version`, `threshold`
    (the README lists every detector's keys).
    """

    model_config = ConfigDict(frozen=True)

    detector: str
    version: str
    category: Category
    score: float = Field(ge=0.0, le=1.0)
    evidence: dict[str, Any] = Field(default_factory=dict)

    @property
    def is_tvec(self) -> bool:
        """True when the detector judged the item TVEC (past its own threshold)."""
        return self.category.is_violating


class RuleRef(BaseModel):
    """A rule that fired, named with the version that fired."""

    model_config = ConfigDict(frozen=True)

    name: str
    version: int
    action: Action
    shadow: bool = False


class Verdict(BaseModel):
    """What the rules decided about one item, with everything behind it."""

    id: str
    action: Action
    score: float = Field(ge=0.0, le=1.0)
    categories: list[Category] = Field(default_factory=list)
    priority: int = Priority.NONE
    signals: list[Signal] = Field(default_factory=list)
    rules: list[RuleRef] = Field(default_factory=list)
    shadow_rules: list[RuleRef] = Field(default_factory=list)
    rule_errors: list[str] = Field(default_factory=list)  # rules that could not read the item (it then goes to review)
    lang: str | None = None
    policy_version: str | None = None
    decided_at: datetime | None = None


def utcnow() -> datetime:
    """Now, in UTC: every time Bastion stores or compares is zone-aware UTC."""
    return datetime.now(UTC)


def tvec_score(signals: list[Signal]) -> float:
    """The verdict's score: the highest TVEC likelihood over the signals.

    Every signal's score is a TVEC likelihood, whatever its category: a text
    model that calls a post `news` still says how likely it is to be TVEC.
    """
    return max((s.score for s in signals), default=0.0)


class CaseState(StrEnum):
    """Where a case is in human review; the steps between states are `bastion.review.states`."""

    OPEN = "open"
    ASSIGNED = "assigned"
    DECIDED = "decided"
    APPEALED = "appealed"
    REDECIDED = "redecided"


class BankKind(StrEnum):
    """What a bank's entries are: a hash type or a URL/domain."""

    PDQ = "pdq"
    VPDQ = "vpdq"
    MD5 = "md5"
    SHA256 = "sha256"
    URL = "url"
    DOMAIN = "domain"


class BankEntry(BaseModel):
    """One known piece of content, with where it came from."""

    bank: str
    kind: BankKind
    value: str
    labels: list[str] = Field(default_factory=list)
    source: str | None = None
    confidence: float = Field(default=1.0, ge=0.0, le=1.0)
    added_by: str | None = None
    added_at: datetime | None = None


class Bank(BaseModel):
    """A named set of known-content entries."""

    name: str = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.-]+$")
    description: str = ""
    enabled: bool = True
    benign: bool = False  # an allow bank: its matches veto other banks' matches


class ContentError(ValueError):
    """The item cannot be checked as sent (undecodable media, over a limit).

    Detectors and extractors raise it; the API answers 422 with its message and
    `bastion scan` reports the row, so bad input never becomes a stack trace.
    """
