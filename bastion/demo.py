"""The demo data set: fictional, short, never operational, loaded by `bastion demo`."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from bastion.core import Item
from bastion.service import Service
from bastion.settings import Settings
from bastion.store.db import Database
from bastion.store.keys import create_key
from bastion.store.models.core import ApiKeyRow

DEMO_DIR = Path(__file__).parent / "data" / "demo"
DEMO_PLATFORM = "demo-platform"


def load_demo(settings: Settings, db: Database) -> list[str]:
    """Check the demo items (idempotent by item id) and make sure a demo key exists."""
    service = Service.from_settings(settings, db)
    items = [Item.model_validate(json.loads(line)) for line in (DEMO_DIR / "items.jsonl").open(encoding="utf-8")]
    verdicts = service.check_many(items, platform=DEMO_PLATFORM)
    flagged = sum(1 for v in verdicts if v.action.value != "allow")
    key_file = settings.data_dir / "demo-api-key"
    lines = [f"demo: checked {len(items)} fictional items, {flagged} flagged for review or removal"]
    if not key_file.exists() or not _key_is_live(db, key_file.read_text().strip()):
        with db.session() as session:
            key = create_key(session, DEMO_PLATFORM, actor="demo")
        key_file.write_text(key.secret + "\n")
        key_file.chmod(0o600)
    lines.append(f"demo: API key in {key_file} (header 'Authorization: Bearer <key>')")
    return lines


def _key_is_live(db: Database, key: str) -> bool:
    prefix = key.split("_")[1] if key.count("_") >= 2 else ""
    with db.reader() as session:
        row = session.scalars(select(ApiKeyRow).where(ApiKeyRow.prefix == prefix)).first()
        return row is not None and not row.revoked
