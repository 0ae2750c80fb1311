"""Conduct on a fictional platform: respawn recall, look-alike false matches, co-posting clusters, actor updates/s.

    .venv/bin/python bench/conduct.py [--small] [--seed 22] [--items N]

A fixed seed generates ordinary users (many sharing a handful of common names, the same greetings in their bios,
the same popular links and the platform's default avatar), news and research accounts posting about a fictional
group, supporters who post its media and links, are removed and come back (renamed, re-avatared with edits, bios
rewritten, mixed with new benign posts), and coordinated clusters that push the same removed media within
minutes. Respawns are matched with `bastion.actors.respawn` (the functions the service runs); clusters come from
the real store: every item is recorded with `record_actors`/`watch_conduct` on SQLite, auto-removed items link
their co-posters, and `tx.conduct.cluster` reads the clusters back. Last line: JSON.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bastion.actors.fingerprints import Profile
from bastion.actors.policy import load_conduct_policy
from bastion.actors.records import record_actors, watch_conduct
from bastion.actors.respawn import POPULAR_POSTERS, is_respawn, respawn_fingerprints
from bastion.core import Action, Category, Item, Signal, Verdict
from bastion.store.db import Database

COMMON_NAMES = ["Sam Carter", "Alex Morgan", "Jo Rivera", "Kim Lee", "Ali Noor", "Maria Costa", "Tom Weber"]
GREETINGS = ["Peace be upon you.", "Blessed be this day.", "Grateful to God for everything.", "Pray for peace."]
HOBBIES = [
    "I bake bread",
    "cycling on weekends",
    "father of two",
    "nurse and runner",
    "loves old films",
    "student of history",
    "gardening and tea",
    "football fan",
    "amateur photographer",
    "works in logistics",
]
POPULAR_LINKS = [f"https://news.fictional.example/story/{n}" for n in range(20)]
DEFAULT_AVATAR = "0" * 64
T0 = datetime(2026, 11, 1, tzinfo=UTC)


def _hash(rng: random.Random) -> str:
    return f"{rng.getrandbits(256):064x}"


def _edited(pdq: str, rng: random.Random, low: int, high: int) -> str:
    value = int(pdq, 16)
    for bit in rng.sample(range(256), rng.randint(low, high)):
        value ^= 1 << bit
    return f"{value:064x}"


def _variant(name: str, rng: random.Random) -> str:
    """A returning supporter's new name: a numeric suffix, separators, case, look-alike letters."""
    out = name.replace(" ", rng.choice(["_", ".", "", " "]))
    if rng.random() < 0.5:
        out = out.replace("o", "о", 1).replace("a", "а", 1)  # Cyrillic look-alikes
    if rng.random() < 0.7:
        out += str(rng.randint(1, 99))
    return out.upper() if rng.random() < 0.2 else out


def _rewrite(bio: str, rng: random.Random) -> str:
    words = bio.split()
    for _ in range(max(1, len(words) // 8)):
        words.insert(rng.randrange(len(words) + 1), rng.choice(["daily", "new", "again", "back", "official"]))
    return " ".join(words) + rng.choice(["", "!", " (backup)", " - follow"])


class Platform:
    """The generated world: accounts with profiles and marks, removed supporters and who came back."""

    def __init__(self, seed: int, ordinary: int, supporters: int, clusters: int) -> None:
        rng = self.rng = random.Random(seed)
        self.profiles: dict[str, Profile] = {}
        self.marks: dict[str, set[tuple[str, str]]] = {}
        self.lookalikes: list[str] = []
        for n in range(ordinary):
            lookalike = n % 3 == 0
            name = rng.choice(COMMON_NAMES) if lookalike or rng.random() < 0.3 else f"user {n} {rng.choice(HOBBIES)}"
            bio = f"{rng.choice(GREETINGS)} {rng.choice(HOBBIES)}." if lookalike else f"{rng.choice(HOBBIES)}."
            avatar = DEFAULT_AVATAR if rng.random() < 0.3 else _hash(rng)
            self._add(
                f"o-{n}",
                Profile(name=name, bio=bio, avatar_pdq=avatar),
                {("url", link) for link in rng.sample(POPULAR_LINKS, 3)},
            )
            if lookalike:
                self.lookalikes.append(f"o-{n}")
        for n in range(ordinary // 20):  # news and research accounts posting about the fictional group
            self._add(
                f"news-{n}",
                Profile(
                    name=f"Fictional Times desk {n}", bio="Reporting on extremism and courts.", avatar_pdq=_hash(rng)
                ),
                {("url", rng.choice(POPULAR_LINKS))},
            )
        self.removed: list[str] = []
        for n in range(supporters):
            name = rng.choice(COMMON_NAMES) if rng.random() < 0.3 else f"crimson herald {n}"
            bio = f"{rng.choice(GREETINGS)} Voice of the fictional brigade, channel {n}, updates and glory daily."
            media = {("sha256", _hash(rng)) for _ in range(rng.randint(2, 6))}
            links = {("url", f"mirror{n}.fictional.example/v/{k}") for k in range(rng.randint(1, 3))}
            popular = {("url", rng.choice(POPULAR_LINKS))}
            avatar = DEFAULT_AVATAR if rng.random() < 0.1 else _hash(rng)
            self._add(
                f"s-{n}",
                Profile(
                    name=name,
                    handle=f"herald_{n}",
                    bio=bio,
                    avatar_pdq=avatar,
                    banner_pdq=_hash(rng) if rng.random() < 0.5 else None,
                ),
                media | links | popular,
            )
            self.removed.append(f"s-{n}")
        self.respawns = {f"back-{n}": s for n, s in enumerate(self.removed)}
        for back, original in self.respawns.items():
            self._respawn(back, original)
        self.cluster_truth: list[set[str]] = [
            {f"ring{c}-{m}" for m in range(rng.randint(3, 8))} for c in range(clusters)
        ]

    def _add(self, account: str, profile: Profile, marks: set[tuple[str, str]]) -> None:
        self.profiles[account], self.marks[account] = profile, marks

    def _respawn(self, account: str, original: str) -> None:
        rng, old = self.rng, self.profiles[original]
        name = _variant(old.name, rng) if rng.random() < 0.85 else f"new voice {rng.randint(1, 10**6)}"
        avatar = _edited(old.avatar_pdq or _hash(rng), rng, 4, 28) if rng.random() < 0.75 else _hash(rng)
        banner = _edited(old.banner_pdq, rng, 4, 28) if old.banner_pdq and rng.random() < 0.6 else None
        bio = _rewrite(old.bio, rng) if rng.random() < 0.7 else f"{rng.choice(HOBBIES)}."
        removed_marks = sorted(self.marks[original])
        kept = {m for m in removed_marks if m[0] == "sha256" and rng.random() < 0.4}
        kept |= {m for m in removed_marks if m[0] == "url" and rng.random() < 0.4}
        benign = {("url", link) for link in rng.sample(POPULAR_LINKS, 2)}  # mixed with new benign posts
        self._add(account, Profile(name=name, bio=bio, avatar_pdq=avatar, banner_pdq=banner), kept | benign)


def respawn_figures(world: Platform) -> dict[str, float]:
    """Every account not removed is matched against the bank of removed ones, as young accounts are."""
    posters: Counter[tuple[str, str]] = Counter(m for marks in world.marks.values() for m in marks)
    posters.update(("avatar", p.avatar_pdq) for p in world.profiles.values() if p.avatar_pdq)
    posters.update(("banner", p.banner_pdq) for p in world.profiles.values() if p.banner_pdq)

    def popular(mark: tuple[str, str]) -> bool:
        return posters[mark] >= POPULAR_POSTERS

    bank = [(world.profiles[a], world.marks[a]) for a in world.removed]
    queued = set()
    for account, profile in world.profiles.items():
        if account in world.removed:
            continue
        if any(is_respawn(respawn_fingerprints(p, m, profile, world.marks[account], popular)) for p, m in bank):
            queued.add(account)
    ordinary = [a for a in world.profiles if a.startswith(("o-", "news-"))]
    return {
        "respawn_recall": sum(a in queued for a in world.respawns) / len(world.respawns),
        "lookalike_false_match": sum(a in queued for a in world.lookalikes) / len(world.lookalikes),
        "ordinary_false_match": sum(a in queued for a in ordinary) / len(ordinary),
    }


def _verdict(item_id: str, marks: list[tuple[str, str]], removed: bool) -> Verdict:
    hashes = [
        Signal(
            detector="hashes",
            version="bench",
            category=Category.PROPAGANDA if removed else Category.BENIGN,
            score=1.0 if removed else 0.0,
            evidence={"hashes": {k: v}},
        )
        for k, v in marks
        if k == "sha256"
    ]
    return Verdict(
        id=item_id,
        action=Action.REMOVE if removed else Action.ALLOW,
        score=1.0 if removed else 0.0,
        categories=[Category.PROPAGANDA] if removed else [],
        signals=hashes,
    )


def cluster_figures(world: Platform, db: Database, loners: int) -> dict[str, float]:
    """Clusters push shared removed media within minutes; loners post the same well-known media on other days."""
    rng, policy = world.rng, load_conduct_policy()
    posts: list[tuple[datetime, str, list[tuple[str, str]]]] = []
    famous = [("sha256", _hash(rng)) for _ in range(5)]  # propaganda many supporters repost on their own
    for members in world.cluster_truth:
        for _campaign in range(rng.randint(3, 6)):
            start, media = T0 + timedelta(days=rng.uniform(0, 30)), [("sha256", _hash(rng))]
            for member in members:
                if rng.random() < 0.85:
                    posts.append((start + timedelta(minutes=rng.uniform(0, 30)), member, media))
    for n in range(loners):
        for _ in range(rng.randint(1, 4)):
            posts.append((T0 + timedelta(days=rng.uniform(0, 30)), f"loner-{n}", [rng.choice(famous)]))
    posts.sort()
    for start in range(0, len(posts), 200):
        batch = posts[start : start + 200]
        checked = [
            (
                Item(id=f"i-{start + k}", text="(media)", author=author, created_at=at),
                _verdict(f"i-{start + k}", marks, True),
            )
            for k, (at, author, marks) in enumerate(batch)
        ]
        with db.transaction() as tx:
            tx.items.record_checked(checked, "bench", batch[-1][0])
            changes = record_actors(tx, checked, "bench", batch[-1][0])
            watch_conduct(tx, "bench", checked, changes, [], batch[-1][0], policy)
    truth = {frozenset((a, b)) for members in world.cluster_truth for a in members for b in members if a < b}
    predicted: set[frozenset[str]] = set()
    with db.snapshot() as tx:
        for account in sorted({author for _, author, _ in posts}):
            actor = tx.actors.find("bench", "account", account)
            members, _ = tx.conduct.cluster(actor.id, policy.network.min_shared) if actor else ([], [])
            names = sorted(m.external_id for m in members)
            predicted |= {frozenset((a, b)) for a in names for b in names if a < b}
    hits = len(predicted & truth)
    return {
        "cluster_precision": hits / len(predicted) if predicted else 0.0,
        "cluster_recall": hits / len(truth) if truth else 0.0,
        "cluster_pairs_true": len(truth),
        "cluster_pairs_found": len(predicted),
    }


def actor_updates_per_second(db: Database, items: int, seed: int) -> float:
    """`record_actors` alone (what each recorded item adds) over a stream of ordinary posts, in batches of 500."""
    rng, now = random.Random(seed), T0
    started = time.perf_counter()
    for start in range(0, items, 500):
        checked = []
        for k in range(start, min(items, start + 500)):
            meta = (
                {"container": {"id": f"room-{rng.randrange(2000)}", "name": "a fictional room"}} if k % 5 == 0 else {}
            )
            text = f"post {k} {rng.choice(POPULAR_LINKS)}" if k % 10 == 0 else f"post {k}"
            item = Item(id=f"t-{k}", text=text, author=f"acct-{rng.randrange(50_000)}", metadata=meta)
            checked.append((item, Verdict(id=item.id, action=Action.ALLOW, score=0.0)))
        with db.transaction() as tx:
            record_actors(tx, checked, "throughput", now)
    return items / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", action="store_true", help="a smaller platform, under a minute")
    parser.add_argument("--seed", type=int, default=22)
    parser.add_argument("--items", type=int, default=None, help="items for the actor-update throughput")
    args = parser.parse_args()
    ordinary, supporters, clusters, loners, items = (
        (3000, 150, 20, 60, 20_000) if args.small else (30_000, 600, 60, 300, 1_000_000)
    )
    items = args.items or items
    world = Platform(args.seed, ordinary, supporters, clusters)
    started = time.perf_counter()
    figures: dict[str, float] = respawn_figures(world)
    print(
        f"respawns: {len(world.respawns)} returning, {len(world.lookalikes)} look-alikes, "
        f"{ordinary} ordinary users: {time.perf_counter() - started:.1f}s"
    )
    with tempfile.TemporaryDirectory() as directory:
        db = Database.from_url(f"sqlite:///{Path(directory) / 'bastion.db'}")
        db.migrate()
        figures |= cluster_figures(world, db, loners)
        rate = actor_updates_per_second(db, items, args.seed)
        db.dispose()
    figures["actor_updates_per_s"] = round(rate)
    figures["seconds_per_million_items"] = round(1_000_000 / rate, 1)
    for name, value in figures.items():
        print(f"{name:28} {value:.4f}" if isinstance(value, float) else f"{name:28} {value}")
    print(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in figures.items()}))


if __name__ == "__main__":
    main()
