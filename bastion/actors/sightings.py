"""What one checked item says about actors: its author (an account), the container it was posted in (a page,
group, channel or room), a profile they show, and the media hashes and links the author posted.

The item contract carries these as optional fields (kept in `metadata`): `container` `{id, name, description}`,
and on a `profile` item `name`, `handle`, `bio`, `avatar_pdq`, `banner_pdq`, `account_created_at`. A profile item
describes its container when it names one, else its author.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bastion.actors.fingerprints import Profile
from bastion.core import Item, Kind, Verdict, container_problem
from bastion.detectors.urllist import normalise_url

ACCOUNT = "account"
CONTAINER = "container"
_LINK = re.compile(r"https?://[^\s<>\"')]+", re.IGNORECASE)
_PDQ = re.compile(r"^[0-9a-f]{64}$")
_MAX_TEXT = 4000


@dataclass(frozen=True)
class Sighting:
    """One actor as one item shows it."""

    kind: str
    external_id: str
    item_id: str
    role: str  # author, container
    surface: str | None = None
    profile: Profile | None = None  # only when the item shows one (a profile item, a container's name)
    account_created_at: datetime | None = None
    marks: list[tuple[str, str]] = field(default_factory=list)  # (sha256|pdq|url, value) the author posted


def sightings_of(item: Item, verdict: Verdict) -> list[Sighting]:
    """The actors an item shows, author first."""
    container = _container(item)
    found: list[Sighting] = []
    describes_container = item.kind is Kind.PROFILE and container is not None
    if item.author:
        profile = _profile(item, verdict) if item.kind is Kind.PROFILE and not describes_container else None
        created = item.metadata.get("account_created_at")
        found.append(
            Sighting(
                ACCOUNT,
                item.author,
                item.id,
                "author",
                profile=profile,
                account_created_at=_time(created),
                marks=marks_of(item, verdict),
            )
        )
    if container is not None:
        cid, name, description = container
        profile = _profile(item, verdict) if describes_container else Profile(name=name, bio=description)
        found.append(Sighting(CONTAINER, cid, item.id, "container", surface=item.surface, profile=profile))
    return found


def marks_of(item: Item, verdict: Verdict) -> list[tuple[str, str]]:
    """The media hashes and normalised links an item carried (the same on any re-check)."""
    marks: set[tuple[str, str]] = set()
    for signal in verdict.signals:
        hashes = signal.evidence.get("hashes") or {}
        for kind in ("sha256", "pdq"):
            if isinstance(hashes.get(kind), str):
                marks.add((kind, hashes[kind]))
    links = [m.group().rstrip(".,;:!?]") for m in _LINK.finditer(item.text or "")]
    if isinstance(item.metadata.get("url"), str):
        links.append(item.metadata["url"])
    for link in links:
        canonical = normalise_url(link)
        if canonical:
            marks.add(("url", "".join(canonical)[:512]))
    return sorted(marks)


def _container(item: Item) -> tuple[str, str, str] | None:
    raw = item.metadata.get("container")
    if raw is None:
        return None
    if container_problem(raw):  # refused at the edge (`Item`); an item built in code without it is left out
        return None
    name, description = raw.get("name", ""), raw.get("description", "")
    return raw["id"], name[:_MAX_TEXT], description[:_MAX_TEXT]


def _profile(item: Item, verdict: Verdict) -> Profile:
    meta = item.metadata

    def text(key: str) -> str:
        value = meta.get(key)
        return value[:_MAX_TEXT] if isinstance(value, str) else ""

    def pdq(key: str) -> str | None:
        value = meta.get(key)
        return value.lower() if isinstance(value, str) and _PDQ.match(value.lower()) else None

    bio = text("bio") or (item.text or "")[:_MAX_TEXT]
    media_pdq = next((value for kind, value in marks_of(item, verdict) if kind == "pdq"), None)  # the avatar sent
    return Profile(
        name=text("name"),
        handle=text("handle"),
        bio=bio,
        avatar_pdq=pdq("avatar_pdq") or media_pdq,
        banner_pdq=pdq("banner_pdq"),
    )


def _time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
