"""The demo data set: fictional, short, never operational, loaded by `bastion demo`."""

from __future__ import annotations

import base64
import io
import json
import random
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from bastion.api.scopes import DEFAULT_SCOPES
from bastion.banks.entries import add_entries, create_bank
from bastion.banks.media import entries_from_media
from bastion.core import Action, Bank, Category, Item, Kind, Media, Verdict, utcnow
from bastion.media.hashing import hash_image
from bastion.review.accounts import Role, create_user
from bastion.review.cases import Decision, claim, decide
from bastion.review.reports import ReportReason, file_report
from bastion.service import Service
from bastion.settings import Settings
from bastion.store.db import Database
from bastion.symbols.demo import demo_symbol_items, demo_symbols

DEMO_DIR = Path(__file__).parent / "data" / "demo"
DEMO_PLATFORM = "demo-platform"
DEMO_BANK = "demo-shared-hashes"
DEMO_PASSWORD = "bastion-demo-password"  # printed by `bastion demo`; demo data directories only
DEMO_DECIDED = "demo-4"  # removed by the demo moderator, so the README can show its author's appeal
DEMO_USERS = {
    "admin": Role.ADMIN,
    "moderator": Role.MODERATOR,
    "moderator2": Role.MODERATOR,
    "senior": Role.SENIOR_MODERATOR,
    "legal": Role.LEGAL,
    "auditor": Role.AUDITOR,
}


def load_demo(settings: Settings, db: Database) -> list[str]:
    """Check the demo items (idempotent by item id) and make sure a demo key, users and a decided case exist."""
    service = Service.from_settings(settings, db)
    _demo_bank(db)
    demo_symbols(db)
    items = [Item.model_validate(json.loads(line)) for line in (DEMO_DIR / "items.jsonl").open(encoding="utf-8")]
    items += _demo_images() + demo_symbol_items()
    verdicts = service.check(items, platform=DEMO_PLATFORM)
    flagged = sum(1 for v in verdicts if isinstance(v, Verdict) and v.action is not Action.ALLOW)
    _demo_reports(db)
    _demo_users(db)
    _demo_decision(db)
    key_file = settings.data_dir / "demo-api-key"
    lines = [f"demo: checked {len(items)} fictional items, {flagged} flagged for review or removal"]
    if not key_file.exists() or not _key_is_live(db, key_file.read_text().strip()):
        with db.transaction() as tx:  # the README's calls: check, report, appeal
            key = tx.keys.create(DEMO_PLATFORM, DEFAULT_SCOPES, actor="demo")
        key_file.write_text(key.secret + "\n")
        key_file.chmod(0o600)
    lines.append(f"demo: API key in {key_file} (header 'Authorization: Bearer <key>')")
    lines.append(f"demo: users {', '.join(DEMO_USERS)}, each with the password {DEMO_PASSWORD!r}")
    lines.append(f"demo: the moderator removed {DEMO_DECIDED}; its author may appeal (POST /v1/appeals)")
    return lines


def demo_poster(seed: int, size: tuple[int, int] = (640, 480), caption: str = "CRIMSON DAWN BRIGADE") -> Image.Image:
    """A made-up poster for an invented group: coloured shapes and a caption, never real material."""
    rng = random.Random(seed)
    image = Image.new("RGB", size, tuple(rng.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x0, y0 = rng.randrange(size[0]), rng.randrange(size[1])
        box = (x0, y0, x0 + rng.randrange(40, 300), y0 + rng.randrange(40, 300))
        colour = tuple(rng.randrange(256) for _ in range(3))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)(box, fill=colour)
    draw.text((30, size[1] - 80), caption, fill="white", font=ImageFont.load_default(size=40))
    return image


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def _demo_bank(db: Database) -> None:
    with db.transaction() as tx:
        if tx.banks.named(DEMO_BANK) is not None:
            return
        create_bank(
            tx,
            Bank(name=DEMO_BANK, description="fictional shared hashes for the demo"),
            "demo",
            Category.PROPAGANDA,
        )
        data = _png(demo_poster(1))
        entries = entries_from_media(
            "demo-poster.png", hash_image(data), ["branded terrorist content"], "fictional-hash-share"
        )
        add_entries(tx, DEMO_BANK, entries, "demo")


def _demo_images() -> list[Item]:
    original = _png(demo_poster(1))
    repost = _png(demo_poster(1).resize((480, 360)))
    return [
        Item(
            id="demo-image-exact",
            kind=Kind.IMAGE,
            author="acct-5521",
            surface="public_post",
            media=Media(base64=base64.b64encode(original).decode(), content_type="image/png"),
        ),
        Item(
            id="demo-image-repost",
            kind=Kind.IMAGE,
            author="acct-7310",
            surface="group_post",
            media=Media(base64=base64.b64encode(repost).decode(), content_type="image/png"),
        ),
    ]


def _demo_users(db: Database) -> None:
    with db.transaction() as tx:
        existing = tx.users.usernames()
        for username, role in DEMO_USERS.items():
            if username not in existing:
                create_user(tx, username, DEMO_PASSWORD, role, "demo")


def _demo_reports(db: Database) -> None:
    with db.transaction() as tx:
        if tx.reports.any():
            return
        for reporter in ("user-101", "user-102"):
            file_report(
                tx,
                "demo-image-repost",
                "acct-7310",
                reporter,
                ReportReason.TERRORISM,
                "fictional report: this poster keeps coming back",
                DEMO_PLATFORM,
                utcnow(),
            )


def _demo_decision(db: Database) -> None:
    """One case decided by the demo moderator (once), so that appeals can be tried at once."""
    with db.transaction() as tx:
        case = tx.cases.for_item(DEMO_PLATFORM, DEMO_DECIDED)
        moderator = tx.users.named("moderator")
        if case is None or moderator is None or tx.cases.last_final_decision(case.id) is not None:
            return
        now = utcnow()
        claim(tx, case.id, moderator, now)
        decide(tx, case.id, moderator, Decision.REMOVE, now, Category.GLORIFICATION, "fictional demo decision")


def _key_is_live(db: Database, key: str) -> bool:
    with db.snapshot() as tx:
        return tx.keys.lookup(key) is not None
