"""How fast the moderator's queue answers, and claims plus decisions go through, at a large backlog.

    .venv/bin/python bench/review_queue.py [--cases 20000] [--decisions 500] [--database-url URL]

Fills a fresh database with open cases (fictional items, verdict bodies like the
pipeline writes), then prints the median and p95 time of one `/queue` read for a
moderator (unfiltered and filtered) and claims+decisions per second.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert

from bastion.core import Category, utcnow
from bastion.review.accounts import Role, create_user
from bastion.review.cases import Decision, claim, decide
from bastion.review.queue import QueueFilter, queue
from bastion.store.db import Database
from bastion.store.models.core import CaseRow, ItemRow, VerdictRow

CATEGORIES = ["recruitment", "glorification", "propaganda", "incitement"]
PLATFORMS = ["forum-a", "forum-b"]


def fill(db: Database, cases: int) -> None:
    now = utcnow()
    items, verdicts, rows = [], [], []
    for n in range(cases):
        item_id, category = f"bench-{n}", CATEGORIES[n % len(CATEGORIES)]
        platform = PLATFORMS[n % len(PLATFORMS)]  # ids are per platform: the queue joins on both
        items.append(
            {
                "platform": platform,
                "id": item_id,
                "kind": "text",
                "text": f"fictional post {n}",
                "lang": "en" if n % 3 else "fr",
                "received_at": now,
                "metadata": {},
            }
        )
        verdicts.append(
            {
                "platform": platform,
                "item_id": item_id,
                "action": "review",
                "score": 0.8,
                "priority": n % 61,
                "categories": [category],
                "decided_at": now,
                "body": {"rules": [{"name": "tvec-flagged", "version": 1}], "signals": []},
            }
        )
        rows.append(
            {
                "platform": platform,
                "item_id": item_id,
                "state": "open",
                "priority": (n % 4) * 20,
                "categories": [category],
                "source": "detection",
                "opened_at": now - timedelta(minutes=n % 600),
                "updated_at": now,
                "version": 1,
            }
        )
    with db.transaction() as tx:  # a bulk fill straight into the tables: the bench times reads, not this
        for table, values in ((ItemRow, items), (VerdictRow, verdicts), (CaseRow, rows)):
            for start in range(0, len(values), 5000):
                tx.session.execute(insert(table), values[start : start + 5000])
        create_user(tx, "bench-mod", "bench-password-1", Role.MODERATOR, "bench")


def timed(action: object, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()  # type: ignore[operator]
        times.append((time.perf_counter() - start) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=20000)
    parser.add_argument("--decisions", type=int, default=500)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Database.from_url(args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}")
        db.migrate()
        fill(db, args.cases)
        with db.snapshot() as tx:
            user = tx.users.named("bench-mod")
        assert user is not None
        for label, filters in [("unfiltered", QueueFilter()), ("category+lang", QueueFilter("propaganda", "fr"))]:

            def read(f: QueueFilter = filters) -> None:
                with db.snapshot() as tx:
                    queue(tx, user, f, utcnow())

            ms = sorted(timed(read, 30))
            print(
                f"queue read ({label}, {args.cases} open cases): median {statistics.median(ms):.1f} ms, "
                f"p95 {ms[int(len(ms) * 0.95) - 1]:.1f} ms"
            )
        start = time.perf_counter()
        for case_id in range(1, args.decisions + 1):
            with db.transaction() as tx:
                claim(tx, case_id, user, utcnow())
                decide(tx, case_id, user, Decision.NO_VIOLATION, utcnow(), Category.NEWS)
        rate = args.decisions / (time.perf_counter() - start)
        print(f"claim + decide (+ audit, outbox): {rate:.0f} cases/s, one transaction each")
        db.dispose()


if __name__ == "__main__":
    main()
