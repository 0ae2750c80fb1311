"""CPU per checked item through `Service._check_batch`, and the share that recording it takes.

    .venv/bin/python bench/record_cost.py [--items 2048] [--batches 8 32 256] [--postgres NAME]

Batches of 8-32 are what `/v1/check`'s micro-batcher forms at 800 req/s, 128-256
what a stream worker takes. Each batch is decided (the pipeline) and recorded
(items, verdicts, cases, audit records, rule fires: one transaction); the figures
are CPU milliseconds per item of this process (`time.process_time`), for the
whole check and for recording alone, and with `--postgres NAME` the CPU of the
PostgreSQL backends serving that database (from /proc; the server runs on the
same cores). The database NAME is created afresh for each batch size on
127.0.0.1:5432 (trust auth) and dropped at the end. CPU time hardly depends on
what else the machine runs; the load average is printed beside it all the same.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
import time
from pathlib import Path

from bastion.core import Item
from bastion.service import Service
from bastion.settings import Settings

TEXTS = [
    "Lovely evening at the lake with friends",
    "Join the crimson dawn brigade before it is too late",
    "The council meets on Tuesday to discuss the new library",
    "Reporters covered the trial of a fictional militia in the novel",
]
_WARM_UP = 256


def measure(settings: Settings, batch: int, n: int, database: str | None) -> tuple[float, float, float]:
    """(whole check, recording, PostgreSQL backends) CPU milliseconds per item, batches of `batch`."""
    service = Service.from_settings(settings)
    items = [Item(id=f"rc-{i}", text=TEXTS[i % len(TEXTS)]) for i in range(_WARM_UP + n)]
    for start in range(0, _WARM_UP, batch):
        service._check_batch([(item, "bench") for item in items[start : start + batch]])
    recording = 0.0
    record = service._record_entries

    def timed(*args: object, **kwargs: object) -> None:
        nonlocal recording
        started = time.process_time()
        record(*args, **kwargs)  # type: ignore[arg-type]
        recording += time.process_time() - started

    service._record_entries = timed  # type: ignore[method-assign]
    server, cpu = _backend_cpu(database), time.process_time()
    for start in range(_WARM_UP, _WARM_UP + n, batch):
        service._check_batch([(item, "bench") for item in items[start : start + batch]])
    whole, server = time.process_time() - cpu, _backend_cpu(database) - server
    service.db.dispose()
    return whole * 1000 / n, recording * 1000 / n, server * 1000 / n


def _backend_cpu(database: str | None) -> float:
    """User and system CPU seconds of the PostgreSQL backends connected to `database`, from /proc."""
    if database is None:
        return 0.0
    total = 0.0
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if f" {database} " not in cmdline.read_bytes().decode(errors="replace"):
                continue
            fields = (cmdline.parent / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended while we looked
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _fresh_database(name: str) -> str:
    admin = ["-h", "127.0.0.1", "-U", "postgres"]
    subprocess.run(["dropdb", *admin, "--if-exists", name], check=True, capture_output=True)
    subprocess.run(["createdb", *admin, name], check=True)
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=2048)
    parser.add_argument("--batches", type=int, nargs="+", default=[8, 32, 256])
    parser.add_argument("--postgres", metavar="NAME", help="a database name to create (default: SQLite)")
    args = parser.parse_args()
    for batch in args.batches:
        with tempfile.TemporaryDirectory() as tmp:
            url = _fresh_database(args.postgres) if args.postgres else None
            settings = Settings(data_dir=Path(tmp) / "data", database_url=url)
            whole, recording, server = measure(settings, batch, args.items, args.postgres)
        backend = f", PostgreSQL backends {server:.3f}" if args.postgres else ""
        print(
            f"{'PostgreSQL' if args.postgres else 'SQLite'}, batches of {batch}: {whole:.3f} ms CPU per item, "
            f"recording {recording:.3f}{backend}; load average {os.getloadavg()[0]:.1f}",
            flush=True,
        )
    if args.postgres:
        subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", args.postgres], check=True)


if __name__ == "__main__":
    main()
