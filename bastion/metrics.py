"""What an operator watches, in Prometheus' terms: items in, verdicts by action, detector latency, the stream.

The counters live in this process (`prometheus_client`'s default registry) and
are served at `/metrics` by the API and on `--metrics-port` by `bastion worker`.
`bastion serve --workers N` shares them across its processes through
prometheus_client's multiprocess mode (`shared_across_processes`): each process
writes its values to a file in one directory, and `/metrics` sums them, so a
scrape reaching any process sees the whole server. Gauges that describe shared
state (dead letters, the oldest legal deadline) are read when scraped and
report the most recent reading of a live process.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, multiprocess

# prometheus_client reads it when imported: set by the parent before its worker processes start.
MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"

ITEMS_CHECKED = Counter("bastion_items_checked", "Items decided by the pipeline (API, scan and stream)")
VERDICTS = Counter("bastion_verdicts", "Verdicts by action", ["action"])
DETECTOR_SECONDS = Histogram(
    "bastion_detector_batch_seconds",
    "Time one detector took over one batch of items",
    ["detector"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
STREAM_ITEMS_IN = Counter("bastion_stream_items_in", "Messages a stream worker took from the item stream")
STREAM_DEAD_LETTERED = Counter("bastion_stream_dead_lettered", "Messages this worker sent to the dead letters")
DEAD_LETTERS = Gauge(
    "bastion_dead_letters", "Messages waiting in the stream's dead-letter stream", multiprocess_mode="livemostrecent"
)
STREAM_PENDING = Gauge(
    "bastion_stream_pending", "Items on the stream not yet delivered to any worker", multiprocess_mode="livemostrecent"
)
OLDEST_LEGAL_DEADLINE = Gauge(
    "bastion_oldest_legal_deadline_seconds",
    "Seconds left on the earliest deadline of an undecided case (negative: overdue; absent when none)",
    multiprocess_mode="livemostrecent",  # read from the database at each scrape: the latest reading is the truth
)


@contextmanager
def shared_across_processes(processes: int) -> Iterator[None]:
    """Around starting `processes` worker processes: with more than one, they share their metrics through a fresh
    directory (files of a previous run would add their counts), removed when the server stops."""
    if processes < 2:
        yield
        return
    directory = tempfile.mkdtemp(prefix="bastion-metrics-")
    previous = os.environ.get(MULTIPROCESS_DIR)
    os.environ[MULTIPROCESS_DIR] = directory
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(MULTIPROCESS_DIR, None)
        else:
            os.environ[MULTIPROCESS_DIR] = previous
        shutil.rmtree(directory, ignore_errors=True)


def forget_at_exit() -> None:
    """In a worker process sharing metrics: when it exits, its live gauges stop counting (its counters stay in
    the totals, as a counter must never go down). A worker killed outright (uvicorn kills one that misses its
    health check) leaves its gauge file behind: "mostrecent" makes the next scrape's reading win over it."""
    if os.environ.get(MULTIPROCESS_DIR):
        atexit.register(multiprocess.mark_process_dead, os.getpid())


def registry() -> CollectorRegistry | None:
    """What `/metrics` serves: every process's values summed when shared, else None (this process's default)."""
    if not os.environ.get(MULTIPROCESS_DIR):
        return None
    shared = CollectorRegistry()
    multiprocess.MultiProcessCollector(shared)
    return shared
