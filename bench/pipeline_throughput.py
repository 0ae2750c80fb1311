"""End-to-end stream throughput: items/s through `bastion worker` with 1 and 2 workers, and publish→verdict latency.

    .venv/bin/python bench/pipeline_throughput.py [--items 10000] [--workers 1 2] [--rate-share 0.7] [--rate R]

Against the PostgreSQL (BASTION_BENCH_PG, default 127.0.0.1:5432) and NATS
(BASTION_BENCH_NATS, default 127.0.0.1:4222) of this machine, in a database
and stream of its own, removed afterwards. For each worker count it runs two
phases:

1. throughput: every item published at once; items/s from the first publish
   to the last verdict on <stream>.verdicts;
2. latency: items published at `rate-share` of that throughput (or at `--rate`
   items/s, to compare settings or code at the same load) for a few seconds;
   p50/p99 from each item's publish to its verdict arriving. These go out as
   plain NATS publishes, which the stream stores as it does a JetStream
   publish, without waiting for each acknowledgement: waiting cost the
   publisher 0.37 ms of CPU per item, a fifth of two cores at 1,000 items/s
   taken from the workers it measures (a platform publishes from its own
   machines). Every item must still get its verdict, or the run fails.

It also prints the workers' CPU per item over the burst (from /proc, Linux).

Fictional texts only; a tenth of them are of the kind that opens a case.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import nats
import psycopg

from bastion.core import Item
from bastion.store.db import Database
from bastion.workers.stream import StreamNames, ensure_streams, item_message

PG = os.environ.get("BASTION_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
NATS = os.environ.get("BASTION_BENCH_NATS", "nats://127.0.0.1:4222")
_BENIGN = [
    "Lovely evening at the lake with friends, the {x} was calm",
    "The council meets on Tuesday to discuss the new library near {x}",
    "Our football team won the match at {x}, what a goal in the last minute",
    "Reporters covered the trial of a fictional militia in the novel set in {x}",
    "Fresh bread and coffee at the market by {x} this morning",
]
_FLAGGED = "join the crimson dawn brigade, brothers, meet at {x}"
_PLACES = ["the harbour", "the bridge", "the old square", "the station", "the river", "the north gate"]


def _items(count: int, prefix: str) -> list[Item]:
    rng = random.Random(20)
    items = []
    for n in range(count):
        template = _FLAGGED if n % 10 == 0 else rng.choice(_BENIGN)
        items.append(Item(id=f"{prefix}{n}", text=template.format(x=rng.choice(_PLACES)) + f" #{n}"))
    return items


class Run:
    """One deployment: a database and stream of its own, W workers, and a listener on the verdicts."""

    def __init__(self, workers: int) -> None:
        self.tag = uuid.uuid4().hex[:8]
        self.database = f"bench_i20_{self.tag}"
        self.stream = f"BENCH20_{self.tag}"
        self.names = StreamNames(self.stream)
        self.workers = workers
        self.arrived: dict[str, float] = {}
        self.processes: list[subprocess.Popen[bytes]] = []
        self.data_dir = Path(tempfile.mkdtemp(prefix="bench-i20-"))

    @property
    def url(self) -> str:
        return PG.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{self.database}"

    def __enter__(self) -> Run:
        with psycopg.connect(PG, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{self.database}"')  # type: ignore[arg-type]
        db = Database.from_url(self.url)
        db.migrate()
        db.dispose()
        env = {
            **os.environ,
            "BASTION_DATABASE_URL": self.url,
            "BASTION_NATS_URL": NATS,
            "BASTION_NATS_STREAM": self.stream,
            "BASTION_DATA_DIR": str(self.data_dir),
        }
        for _ in range(self.workers):
            self.processes.append(
                subprocess.Popen(
                    ["nice", "-n", "10", sys.executable, "-m", "bastion", "worker"],
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        return self

    def __exit__(self, *_: object) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            process.wait(timeout=60)
        asyncio.run(self._delete_streams())
        with psycopg.connect(PG, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')  # type: ignore[arg-type]

    async def _delete_streams(self) -> None:
        nc = await nats.connect(NATS)
        for stream in (self.names.stream, self.names.verdicts, self.names.dead_letters):
            with contextlib.suppress(nats.js.errors.NotFoundError):
                await nc.jetstream().delete_stream(stream)
        await nc.close()

    async def measure(
        self, items_count: int, rate_share: float, rate: float | None
    ) -> tuple[float, float, float, float]:
        nc = await nats.connect(NATS)
        js = nc.jetstream()
        await ensure_streams(js, self.names)

        async def on_verdict(msg: nats.aio.msg.Msg) -> None:
            item_id = (msg.headers or {}).get("Nats-Msg-Id", "").split("/")[1]
            self.arrived.setdefault(item_id, time.perf_counter())

        await nc.subscribe(self.names.verdicts_subject, cb=on_verdict)
        await self._burst(js, _items(200, "warm-"))  # every worker up and warm before the clock starts
        await self._wait_for(200, 600)
        self.arrived.clear()
        items = _items(items_count, "burst-")
        cpu_before = self._workers_cpu_seconds()
        started = time.perf_counter()
        await self._burst(js, items)
        await self._wait_for(items_count, 600)
        throughput = items_count / (max(self.arrived.values()) - started)
        cpu_per_item = (self._workers_cpu_seconds() - cpu_before) / items_count
        self.arrived.clear()
        p50, p99 = await self._paced(nc, rate or throughput * rate_share, seconds=8)
        await nc.close()
        return throughput, p50, p99, cpu_per_item

    def _workers_cpu_seconds(self) -> float:
        """CPU the workers have used (user and system, all threads): per item, less at the mercy of the load
        than items/s on a shared machine."""
        ticks = 0
        for process in self.processes:
            fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
        return ticks / os.sysconf("SC_CLK_TCK")

    async def _burst(self, js: nats.js.JetStreamContext, items: list[Item]) -> None:
        for start in range(0, len(items), 500):
            messages = [item_message(item, "bench") for item in items[start : start + 500]]
            await asyncio.gather(*(js.publish(self.names.items_subject, b, headers=h) for b, h in messages))

    async def _paced(self, nc: nats.NATS, rate: float, seconds: float) -> tuple[float, float]:
        items = _items(int(rate * seconds), "paced-")
        sent: dict[str, float] = {}
        tick, per_tick = 0.02, max(1, round(rate * 0.02))
        begin = time.perf_counter()
        cpu0 = time.process_time()
        for start in range(0, len(items), per_tick):
            chunk = items[start : start + per_tick]
            for item in chunk:
                sent[item.id] = time.perf_counter()
                body, headers = item_message(item, "bench")
                await nc.publish(self.names.items_subject, body, headers=headers)
            delay = begin + (start // per_tick + 1) * tick - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
        cpu = (time.process_time() - cpu0) * 1000 / len(items)
        print(f"  (the paced publisher's own CPU, with its verdict subscription: {cpu:.2f} ms per item)")
        await self._wait_for(len(items), 120)
        latencies = sorted(self.arrived[i] - sent[i] for i in sent)
        return latencies[len(latencies) // 2] * 1000, latencies[int(len(latencies) * 0.99)] * 1000

    async def _wait_for(self, count: int, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while len(self.arrived) < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"only {len(self.arrived)} of {count} verdicts arrived")
            await asyncio.sleep(0.05)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--rate-share", type=float, default=0.7)
    parser.add_argument("--rate", type=float, help="items/s for the latency phase (default: rate-share of the burst's)")
    args = parser.parse_args()
    print(f"load before: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    for workers in args.workers:
        with Run(workers) as run:
            throughput, p50, p99, cpu_per_item = asyncio.run(run.measure(args.items, args.rate_share, args.rate))
        print(
            f"{workers} worker(s): {throughput:,.0f} items/s over {args.items:,} items "
            f"({cpu_per_item * 1000:.2f} ms of worker CPU per item); "
            f"at {f'{args.rate:,.0f} items/s' if args.rate else f'{args.rate_share:.0%} of that rate'} "
            f"publish→verdict p50 {p50:.0f} ms, p99 {p99:.0f} ms"
        )
    print(f"load after: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")


if __name__ == "__main__":
    main()
