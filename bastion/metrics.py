"""What an operator watches, in Prometheus' terms: items in, verdicts by action, detector latency, the stream.

The counters live in this process (`prometheus_client`'s default registry) and
are served at `/metrics` by the API and on `--metrics-port` by `bastion worker`.
Gauges that describe shared state (dead letters, the oldest legal deadline)
are read when scraped, so every process reports the same figure.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

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
DEAD_LETTERS = Gauge("bastion_dead_letters", "Messages waiting in the stream's dead-letter stream")
STREAM_PENDING = Gauge("bastion_stream_pending", "Items on the stream not yet delivered to any worker")
OLDEST_LEGAL_DEADLINE = Gauge(
    "bastion_oldest_legal_deadline_seconds",
    "Seconds left on the earliest deadline of an undecided case (negative: overdue; absent when none)",
)
