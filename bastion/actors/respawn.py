"""Respawns: a removed actor coming back under a new account, recognised by its fingerprints.

Independent fingerprints: the name pattern and the bio text are weak (common names and shared phrases, a
religious greeting among them, are everywhere among ordinary users); the avatar and banner images and the removed
actor's own media and links are strong. A possible respawn needs two or more fingerprints, at least one strong,
so a common name with a shared phrase never matches on its own. Media and links count only for a young account
(a new account posting the removed actor's material soon after creation), and only when they are not popular
(posted by many accounts). Nothing here reads who anyone is: only what the accounts show and post.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bastion.actors.cases import open_actor_case
from bastion.actors.fingerprints import Profile, bio_minhash, minhash_similarity, name_skeleton, pdq_distance
from bastion.actors.policy import ConductPolicy
from bastion.actors.sightings import ACCOUNT
from bastion.store.actors import PROFILE_FIELDS, ProfileChange
from bastion.store.models.actors import ActorRow, RespawnEntryRow
from bastion.store.transaction import Transaction

BIO_SIMILAR = 0.5
PDQ_CLOSE = 31
POPULAR_POSTERS = 25  # a media hash, link or avatar this many accounts posted or show says nothing about who
Mark = tuple[str, str]


@dataclass(frozen=True)
class Fingerprint:
    kind: str  # name, bio, avatar, banner, media, links
    strong: bool
    explained: str


def respawn_fingerprints(
    removed: Profile,
    removed_marks: Collection[Mark],
    candidate: Profile,
    candidate_marks: Collection[Mark],
    popular: Callable[[Mark], bool] = lambda mark: False,
) -> list[Fingerprint]:
    """The removed actor's fingerprints the candidate shares; none at all without a strong one (the weak ones,
    name and bio, are only compared when a strong one agreed: they can never match on their own)."""
    strong = _strong(removed, removed_marks, candidate, candidate_marks, popular)
    return strong + _weak(removed, candidate) if strong else []


def _strong(
    removed: Profile,
    removed_marks: Collection[Mark],
    candidate: Profile,
    candidate_marks: Collection[Mark],
    popular: Callable[[Mark], bool],
) -> list[Fingerprint]:
    found: list[Fingerprint] = []
    for label, old, new in (
        ("avatar", removed.avatar_pdq, candidate.avatar_pdq),
        ("banner", removed.banner_pdq, candidate.banner_pdq),
    ):
        if old and new and (distance := pdq_distance(old, new)) <= PDQ_CLOSE and not popular((label, new)):
            found.append(Fingerprint(label, True, f"{label} image (PDQ distance {distance})"))
    banked = removed_marks if isinstance(removed_marks, set | frozenset) else set(removed_marks)
    shared = {m for m in candidate_marks if m in banked and not popular(m)}
    media = sorted(v for k, v in shared if k in ("sha256", "pdq"))
    links = sorted(v for k, v in shared if k == "url")
    if media:
        found.append(Fingerprint("media", True, f"posted {len(media)} of the removed actor's media"))
    if links:
        found.append(
            Fingerprint("links", True, f"posted {len(links)} of the removed actor's links: {', '.join(links[:3])}")
        )
    return found


def _weak(removed: Profile, candidate: Profile) -> list[Fingerprint]:
    found: list[Fingerprint] = []
    names = {name_skeleton(n) for n in (removed.name, removed.handle) if n} - {""}
    if names & {name_skeleton(n) for n in (candidate.name, candidate.handle) if n}:
        found.append(Fingerprint("name", False, "name pattern (suffix, case and look-alike letters folded)"))
    if removed.bio and candidate.bio:
        similarity = minhash_similarity(bio_minhash(removed.bio), bio_minhash(candidate.bio))
        if similarity >= BIO_SIMILAR:
            found.append(Fingerprint("bio", False, f"bio text (MinHash similarity {similarity:.2f})"))
    return found


def is_respawn(found: Sequence[Fingerprint]) -> bool:
    return len({f.kind for f in found}) >= 2 and any(f.strong for f in found)


def profile_of(actor: ActorRow | RespawnEntryRow) -> Profile:
    fields = actor.profile if isinstance(actor, RespawnEntryRow) else {n: getattr(actor, n) for n in PROFILE_FIELDS}
    return Profile(
        name=fields.get("name") or "",
        handle=fields.get("handle") or "",
        bio=fields.get("bio") or "",
        avatar_pdq=fields.get("avatar_pdq"),
        banner_pdq=fields.get("banner_pdq"),
    )


def watch_respawns(
    tx: Transaction,
    platform: str,
    changes: Sequence[ProfileChange],
    posters: Collection[str],
    now: datetime,
    policy: ConductPolicy,
) -> None:
    """Match new or changed profiles, and young accounts that posted media or links, against the respawn bank."""
    if not posters and not any(c.actor.kind == ACCOUNT for c in changes):
        return  # nothing to match: most batches, which need not read the whole bank
    bank = tx.conduct.respawn_bank(platform)
    if not bank:
        return
    young_since = now - timedelta(days=policy.respawn.new_account_days)
    candidates = {c.actor.id: c.actor for c in changes if c.actor.kind == ACCOUNT}
    for external_id in posters:  # the accounts whose items carried media or links
        poster = tx.actors.find(platform, ACCOUNT, external_id)
        if poster is not None and (poster.account_created_at or poster.first_seen) >= young_since:
            candidates[poster.id] = poster
    for actor in candidates.values():
        if actor.status != "active" or any(e.actor_id == actor.id for e in bank):
            continue
        young = (actor.account_created_at or actor.first_seen) >= young_since
        marks = tx.actors.marks_of(actor.id) if young else []

        def popular(mark: Mark) -> bool:
            return tx.actors.posters_count(platform, mark) >= POPULAR_POSTERS

        matches = [
            (e, respawn_fingerprints(profile_of(e), [(m[0], m[1]) for m in e.marks], profile_of(actor), marks, popular))
            for e in bank
        ]
        hits = [(entry, found) for entry, found in matches if is_respawn(found)]
        if hits:
            entry, found = max(hits, key=lambda hit: len(hit[1]))
            _queue(tx, actor, entry, found, now, policy)


def _queue(
    tx: Transaction,
    actor: ActorRow,
    entry: RespawnEntryRow,
    found: list[Fingerprint],
    now: datetime,
    policy: ConductPolicy,
) -> None:
    original = tx.actors.get(entry.actor_id)
    name = original.external_id if original else str(entry.actor_id)
    evidence = {
        "summary": f"possible respawn of removed account {name}: {len(found)} independent fingerprints",
        "counted": [f.explained for f in found],
        "fingerprints": [f.kind for f in found],
        "original_actor": entry.actor_id,
        "policy_version": policy.version,
    }
    categories = sorted({s.category for s in tx.conduct.strikes(entry.actor_id, live_only=False)})
    open_actor_case(
        tx,
        actor,
        "respawn",
        evidence,
        now,
        priority=policy.respawn.priority,
        categories=categories,
        linked_case=entry.case_id,
    )
