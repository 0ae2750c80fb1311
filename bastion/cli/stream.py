"""`bastion worker`, `bastion publish`, `bastion dlq` and `bastion stream`: the stream of items on NATS JetStream."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from nats.js import JetStreamContext
from rich.console import Console
from rich.table import Table

from bastion.cli._context import database, err, fail, require_file, service, settings
from bastion.core import utcnow
from bastion.readers import BadRow, detect_format, read_items
from bastion.workers.dead_letters import dead_letters, replay
from bastion.workers.receipts import RetentionTooShort, prune_receipts
from bastion.workers.stream import StreamNames, StreamUnavailable, connect, ensure_streams

T = TypeVar("T")
dlq_app = typer.Typer(help="Dead letters: stream messages that could not be checked.", no_args_is_help=True)
stream_app = typer.Typer(help="Upkeep of what the stream keeps in the database.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.command()(worker)
    app.command()(publish)
    app.add_typer(dlq_app, name="dlq")
    app.add_typer(stream_app, name="stream")


def worker(
    batch_size: Annotated[int | None, typer.Option(help="items per batch and transaction", min=1)] = None,
    max_in_flight: Annotated[int | None, typer.Option(help="messages held unacknowledged at most", min=1)] = None,
    metrics_port: Annotated[
        int | None, typer.Option(help="serve Prometheus metrics on this port (all interfaces)", min=1, max=65535)
    ] = None,
) -> None:
    """Check items from the stream (BASTION_NATS_URL, BASTION_NATS_STREAM) until SIGTERM or Ctrl-C.

    Each batch is checked as `POST /v1/check` checks, recorded in one transaction and
    acknowledged after its commit; verdicts go out on <stream>.verdicts. On SIGTERM the
    worker stops taking messages and finishes the ones it holds before it exits.
    """
    from bastion.workers.consumer import StreamWorker

    s = settings()
    if metrics_port is not None:
        from prometheus_client import start_http_server

        start_http_server(metrics_port)
    consumer = StreamWorker(
        service(), batch_size or s.worker_batch_size, max_in_flight or s.worker_max_in_flight, freeze_after_warm_up=True
    )

    async def run() -> None:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, consumer.stop)
        err.print(f"worker: taking items from {s.nats_stream} at {s.nats_url}", highlight=False)
        await consumer.run()

    try:
        asyncio.run(run())
    except StreamUnavailable as error:
        raise fail(str(error)) from None
    counts = consumer.counts
    err.print(f"worker: stopped; {counts.recorded} checked, {counts.dead_lettered} dead-lettered", highlight=False)


def publish(
    file: Annotated[str, typer.Argument(help="JSONL, CSV or Parquet file of items; '-' reads stdin (JSONL or CSV)")],
    fmt: Annotated[str | None, typer.Option("--format", help="jsonl, csv or parquet (default: from suffix)")] = None,
    platform: Annotated[str, typer.Option(help="the platform whose items these are")] = "local",
) -> None:
    """Publish every item in FILE on the stream for `bastion worker` (malformed rows are reported and skipped)."""
    from bastion.workers.publisher import publish_rows

    try:
        fmt = detect_format(file, fmt)
    except ValueError as error:
        raise fail(str(error)) from None
    if file != "-":
        require_file(Path(file))

    def complain(row: BadRow) -> None:
        err.print(f"[yellow]line {row.line}:[/yellow] skipped: {row.problem}", highlight=False)

    s = settings()
    try:
        rows = read_items(file, fmt, sys.stdin.buffer, s.max_body_bytes)
        report = asyncio.run(publish_rows(s, rows, platform, complain))
    except (ValueError, StreamUnavailable) as error:
        raise fail(str(error)) from None
    typer.echo(f"published {report.published} items to {s.nats_stream} ({report.duplicates} already there)")
    if report.bad:
        raise typer.Exit(1)


@dlq_app.command("list")
def dlq_list(limit: Annotated[int, typer.Option(help="show at most this many, oldest first", min=1)] = 100) -> None:
    """The dead letters: which item, why it failed, how often it was tried."""
    letters = _with_stream(lambda js, names: dead_letters(js, names, limit))
    if not letters:
        typer.echo("no dead letters")
        return
    table = Table(title=f"dead letters of {settings().nats_stream}")
    for column in ("seq", "platform", "item", "attempts", "dead at", "error"):
        table.add_column(column)
    for letter in letters:
        dead_at = letter.dead_at.strftime("%Y-%m-%d %H:%M:%S") if letter.dead_at else ""
        item = letter.item_id or "(not an item)"
        table.add_row(str(letter.seq), letter.platform, item, str(letter.attempts), dead_at, letter.error)
    Console(width=200).print(table)


@dlq_app.command("replay")
def dlq_replay(
    seqs: Annotated[list[int] | None, typer.Argument(help="the dead letters to replay (seq from `dlq list`)")] = None,
    all_letters: Annotated[bool, typer.Option("--all", help="replay every dead letter")] = False,
) -> None:
    """Put dead letters back on the item stream (after a fix) and remove them from the dead letters."""
    if not seqs and not all_letters:
        raise fail("name the dead letters to replay (their seq from `bastion dlq list`) or pass --all")

    async def chosen(js: JetStreamContext, names: StreamNames) -> list[int]:
        targets = list(seqs or [])
        if all_letters:
            targets = [letter.seq for letter in await dead_letters(js, names, limit=1_000_000)]
        return await replay(js, names, targets)

    done = _with_stream(chosen)
    missing = sorted(set(seqs or []) - set(done))
    typer.echo(f"replayed {len(done)} dead letters")
    if missing:
        raise fail(f"no dead letter with seq {', '.join(map(str, missing))}", code=1)


@stream_app.command("prune-receipts")
def prune_stream_receipts(
    batch_size: Annotated[int, typer.Option(help="receipts deleted per transaction", min=1, max=100_000)] = 5_000,
) -> None:
    """Delete stream receipts older than BASTION_STREAM_RECEIPT_RETENTION_HOURS (24), in short transactions.

    A receipt makes a redelivered message a no-op, so it is needed only while its message can come back;
    run this nightly (cron, a Kubernetes CronJob). The run is audited with its count. Needs no NATS.
    """
    try:
        pruned = prune_receipts(database(), settings(), utcnow(), batch_size, actor="cli")
    except RetentionTooShort as error:
        raise fail(str(error)) from None
    before = pruned.recorded_before.strftime("%Y-%m-%d %H:%M:%S")
    typer.echo(f"deleted {pruned.deleted} stream receipts recorded before {before} UTC ({pruned.batches} batches)")


def _with_stream(work: Callable[[JetStreamContext, StreamNames], Awaitable[T]]) -> T:
    """Run `work` against the configured stream; an unreachable NATS is a one-line error."""

    async def run() -> T:
        s = settings()
        nc = await connect(s)
        try:
            js = nc.jetstream()
            names = StreamNames.of(s)
            await ensure_streams(js, names)
            return await work(js, names)
        finally:
            await nc.drain()

    try:
        return asyncio.run(run())
    except StreamUnavailable as error:
        raise fail(str(error)) from None
