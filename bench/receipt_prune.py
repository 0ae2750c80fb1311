"""Pruning stream receipts on PostgreSQL: rows deleted a second, and what workers recording meanwhile wait.

    .venv/bin/python bench/receipt_prune.py [--old 500000] [--recent 50000] [--batch-size 5000]

In a database of its own on the PostgreSQL of this machine (BASTION_BENCH_PG,
default 127.0.0.1:5432), removed afterwards: fills `stream_receipts` with
`old` receipts two days old and `recent` ones an hour old, then runs
`prune_receipts` (what `bastion stream prune-receipts` runs) while a thread
claims fresh receipts 256 at a time, as a worker's transaction does. Prints
the prune's rows/s and mean batch time, and the claims' p50/p99 during the
prune against before it.
"""

from __future__ import annotations

import argparse
import os
import threading
import time
import uuid
from datetime import timedelta
from typing import Any

import psycopg

from bastion.core import utcnow
from bastion.settings import Settings
from bastion.store.db import Database
from bastion.workers.receipts import Pruned, prune_receipts

PG = os.environ.get("BASTION_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
_CHUNK = 10_000


def _admin(statement: str) -> None:
    with psycopg.connect(PG, autocommit=True) as connection:
        connection.execute(statement)  # type: ignore[arg-type]


def _fill(db: Database, count: int, age: timedelta, tag: str) -> None:
    when = utcnow() - age
    for start in range(0, count, _CHUNK):
        receipts = [("bench", f"{tag}-{n}", f"{n:064x}") for n in range(start, min(start + _CHUNK, count))]
        with db.transaction() as tx:
            tx.stream_receipts.claim(receipts, when)


def _claims(db: Database, stop: threading.Event, seconds: list[float]) -> None:
    """A worker's share of the table: 256 fresh receipts a transaction, each transaction timed."""
    n = 0
    while not stop.is_set():
        batch = [("bench", f"live-{n}-{k}", "f" * 64) for k in range(256)]
        started = time.perf_counter()
        with db.transaction() as tx:
            tx.stream_receipts.claim(batch, utcnow())
        seconds.append(time.perf_counter() - started)
        n += 1


def _timed_claims(db: Database, work: threading.Thread | None, seconds: float = 3.0) -> list[float]:
    stop, timings = threading.Event(), list[float]()
    claimer = threading.Thread(target=_claims, args=(db, stop, timings))
    claimer.start()
    if work is None:
        time.sleep(seconds)
    else:
        work.start()
        work.join()
    stop.set()
    claimer.join()
    return timings


def _p(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", type=int, default=500_000)
    parser.add_argument("--recent", type=int, default=50_000)
    parser.add_argument("--batch-size", type=int, default=5_000)
    args = parser.parse_args()
    name = f"bastion_prune_{uuid.uuid4().hex[:8]}"
    _admin(f'CREATE DATABASE "{name}"')
    db = Database.from_url(PG.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{name}")
    try:
        db.migrate()
        _fill(db, args.old, timedelta(days=2), "old")
        _fill(db, args.recent, timedelta(hours=1), "recent")
        idle = _timed_claims(db, None)
        outcome: dict[str, Any] = {}

        def prune() -> None:
            started = time.perf_counter()
            outcome["pruned"] = prune_receipts(db, Settings(), utcnow(), args.batch_size, actor="bench")
            outcome["seconds"] = time.perf_counter() - started

        during = _timed_claims(db, threading.Thread(target=prune))
        pruned: Pruned = outcome["pruned"]
        took: float = outcome["seconds"]
        print(
            f"pruned {pruned.deleted:,} of {args.old + args.recent:,} receipts in {took:.1f} s: "
            f"{pruned.deleted / took:,.0f} rows/s, {pruned.batches} batches of {args.batch_size:,}, "
            f"{took / pruned.batches * 1000:.0f} ms a batch"
        )
        print(f"claims of 256 before: p50 {_p(idle, 0.5):.1f} ms, p99 {_p(idle, 0.99):.1f} ms ({len(idle)})")
        print(f"claims of 256 during: p50 {_p(during, 0.5):.1f} ms, p99 {_p(during, 0.99):.1f} ms ({len(during)})")
        print(f"load average: {os.getloadavg()[0]:.1f}")
    finally:
        db.dispose()
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
