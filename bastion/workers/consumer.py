"""`bastion worker`: take items from the stream in batches, check them through the one door, acknowledge after commit.

Every worker shares one durable pull consumer, so each message goes to one
worker at a time, and adding workers adds throughput. Delivery is at least
once: a worker killed before its acknowledgement leaves the message to be
delivered again, and the service makes that second delivery a no-op (stream
receipts). Fetching runs ahead of checking (up to `max_in_flight` messages
unacknowledged), so the network and the CPU work at the same time.

A batch that fails is retried in place while the database is unreachable (an
outage is nobody's fault: no message is dead-lettered for it), and otherwise
one message at a time, so that only the message at fault is counted towards
`max_deliveries` and finally dead-lettered with its error.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field

import nats
import structlog
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig

from bastion.context import settle_after_warm_up
from bastion.core import Verdict
from bastion.metrics import DEAD_LETTERS, STREAM_DEAD_LETTERED, STREAM_ITEMS_IN, STREAM_PENDING
from bastion.service import Delivery, Outcome, Refusal, Service
from bastion.store.db import DatabaseUnavailable
from bastion.workers.dead_letters import dead_letter, dead_letter_count
from bastion.workers.stream import (
    MESSAGE_ID_HEADER,
    PLATFORM_HEADER,
    NotAnItem,
    StreamNames,
    connect,
    delivery_of,
    ensure_streams,
)

log = structlog.get_logger(__name__)
_WATCH_EVERY = 5.0  # seconds between readings of the stream's gauges
_FETCH_WAIT = 1.0  # seconds a fetch waits for messages: also how soon an idle worker notices SIGTERM


@dataclass
class WorkerCounts:
    """What this worker did since it started (logged when it stops, read by tests and the benchmark)."""

    recorded: int = 0
    dead_lettered: int = 0
    retried: int = 0


@dataclass
class StreamWorker:
    service: Service
    batch_size: int
    max_in_flight: int
    freeze_after_warm_up: bool = False  # for the `bastion worker` process (`settle_after_warm_up`), never a test's
    counts: WorkerCounts = field(default_factory=WorkerCounts)
    _stopping: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def names(self) -> StreamNames:
        return StreamNames.of(self.service.settings)

    def stop(self) -> None:
        """Stop taking messages; what was taken is checked, committed and acknowledged first (SIGTERM)."""
        self._stopping.set()

    async def run(self) -> None:
        nc = await connect(self.service.settings)
        try:
            js = nc.jetstream()
            await ensure_streams(js, self.names)
            await self._warm_up()
            settings = self.service.settings
            config = ConsumerConfig(
                ack_policy=AckPolicy.EXPLICIT,
                # Each worker bounds what it holds (`max_in_flight`, below). A bound on the consumer, which every
                # worker shares, let the first worker fetch it all ahead while a second one waited with nothing:
                # two workers were slower than one.
                max_ack_pending=-1,
                ack_wait=settings.worker_ack_wait_seconds,
                max_deliver=-1,  # the worker counts failures itself and dead-letters; the server never drops one
            )
            sub = await js.pull_subscribe(
                self.names.items_subject, durable=self.names.durable, stream=self.names.stream, config=config
            )
            ahead: asyncio.Queue[list[Msg] | None] = asyncio.Queue()
            # A batch is held from its fetch to its last ack. Bounding the queue instead let one more batch wait
            # in the fetching task, fetched before there was room: 768 messages held at an in flight of 512.
            held = asyncio.Semaphore(max(1, self.max_in_flight // self.batch_size))
            fetching = asyncio.create_task(self._fetch(sub, ahead, held))
            watching = asyncio.create_task(self._watch(js))
            while (batch := await ahead.get()) is not None:
                await self._handle(nc, js, batch)
                held.release()
            await fetching
            watching.cancel()
        finally:
            await _close(nc)
        log.info("worker_stopped", **vars(self.counts))

    async def _warm_up(self) -> None:
        """Load and compile the models before taking a message, so the first batch does not hold its messages
        for that; then, for a process that consumes until it exits, take what it holds out of the collector's view
        (full collections walking the models stalled every batch in flight)."""
        await asyncio.to_thread(self.service.warm_up)
        if self.freeze_after_warm_up:
            settle_after_warm_up()
        log.info("worker_warm")

    async def _fetch(
        self,
        sub: JetStreamContext.PullSubscription,
        ahead: asyncio.Queue[list[Msg] | None],
        held: asyncio.Semaphore,
    ) -> None:
        try:
            while not self._stopping.is_set():
                await held.acquire()
                if self._stopping.is_set():  # told to stop while waiting for room: take nothing more
                    break
                try:
                    batch = await sub.fetch(self.batch_size, timeout=_FETCH_WAIT)
                except TimeoutError:  # nothing to do (nats' own TimeoutError is one too)
                    held.release()
                    continue
                except nats.errors.Error as error:  # NATS restarting: the client reconnects by itself
                    held.release()
                    log.warning("fetch_failed", error=str(error))
                    await asyncio.sleep(_FETCH_WAIT)
                    continue
                ahead.put_nowait(batch)
        finally:
            ahead.put_nowait(None)  # however fetching ends, the checking loop ends after what it was given

    async def _watch(self, js: JetStreamContext) -> None:
        """Keep the stream's gauges current: items waiting for a worker, and dead letters."""
        while True:
            try:
                consumer = await js.consumer_info(self.names.stream, self.names.durable)
                STREAM_PENDING.set(consumer.num_pending or 0)
                DEAD_LETTERS.set(await dead_letter_count(js, self.names))
            except (nats.errors.Error, TimeoutError) as error:
                log.warning("stream_watch_failed", error=str(error))
            await asyncio.sleep(_WATCH_EVERY)

    async def _handle(self, nc: Client, js: JetStreamContext, batch: list[Msg]) -> None:
        STREAM_ITEMS_IN.inc(len(batch))
        messages: list[Msg] = []
        deliveries: list[Delivery] = []
        for msg in batch:
            try:
                deliveries.append(delivery_of(msg.data, msg.headers))
                messages.append(msg)
            except NotAnItem as problem:
                await self._dead_letter(js, msg, str(problem))
        if not messages:
            return
        outcomes = await self._check(messages, deliveries)
        if outcomes == []:  # handed back unchecked (stopping while the database is away)
            return
        if outcomes is None:
            await self._one_at_a_time(nc, js, messages, deliveries)
        else:
            await self._finish(nc, js, messages, deliveries, outcomes)

    async def _check(self, messages: list[Msg], deliveries: list[Delivery]) -> list[Outcome] | None:
        """The batch's outcomes once committed; None when it failed with the database reachable; [] when handed
        back because the worker is stopping while the database is away. A refusal of the database's (a lock held
        past the stall limit, whose holder was ended when stalled; the server away or full) is waited out as an
        outage is: the whole batch again, not one item at a time."""
        while True:
            try:
                return await asyncio.to_thread(self.service.check_deliveries, deliveries)
            except DatabaseUnavailable as error:  # a lock held past the stall limit, the server away or full
                log.warning("database_unavailable", error=str(error), waiting=len(deliveries))
            except Exception as error:
                if await asyncio.to_thread(self.service.db.ping):
                    log.warning("batch_failed", error=str(error), items=len(deliveries))
                    return None
                log.warning("database_unreachable", error=str(error), waiting=len(deliveries))
            if self._stopping.is_set():  # told to stop and unable to finish: hand them back for another worker
                for msg in messages:
                    await msg.nak()
                return []
            for msg in messages:  # still ours: keep the server from handing them to another worker meanwhile
                await msg.in_progress()
            await asyncio.sleep(max(self.service.settings.worker_retry_delay_seconds, 0.1))

    async def _one_at_a_time(
        self, nc: Client, js: JetStreamContext, messages: list[Msg], deliveries: list[Delivery]
    ) -> None:
        """Find the message at fault: each alone, the good ones recorded, the bad one retried or dead-lettered."""
        settings = self.service.settings
        for msg, delivery in zip(messages, deliveries, strict=True):
            try:
                outcomes = await asyncio.to_thread(self.service.check_deliveries, [delivery])
            except Exception as error:
                attempts = msg.metadata.num_delivered or 1
                # The database's refusal is never the message's fault: an outage is never dead-lettered.
                outage = isinstance(error, DatabaseUnavailable) or not await asyncio.to_thread(self.service.db.ping)
                if not outage and attempts >= settings.worker_max_deliveries:
                    await self._dead_letter(js, msg, f"{type(error).__name__}: {error}", attempts)
                else:
                    self.counts.retried += 1
                    await msg.nak(delay=settings.worker_retry_delay_seconds)
                continue
            await self._finish(nc, js, [msg], [delivery], outcomes)

    async def _finish(
        self,
        nc: Client,
        js: JetStreamContext,
        messages: Sequence[Msg],
        deliveries: Sequence[Delivery],
        outcomes: Sequence[Outcome],
    ) -> None:
        """After the commit: verdicts out on their subject, refusals to the dead letters, then the acks."""
        subject = self.names.verdicts_subject
        done = []
        for msg, delivery, outcome in zip(messages, deliveries, outcomes, strict=True):
            if isinstance(outcome, Refusal):
                await self._dead_letter(js, msg, f"refused: {outcome.problem}")
                continue
            assert isinstance(outcome, Verdict)
            platform, item_id, digest = delivery.receipt
            headers = {PLATFORM_HEADER: platform, MESSAGE_ID_HEADER: f"{platform}/{item_id}/{digest}"}
            await nc.publish(subject, outcome.model_dump_json().encode(), headers=headers)
            done.append(msg)
        try:
            await nc.flush()  # the verdicts reached the server before their items are acknowledged
            for msg in done:
                await msg.ack()
        except (nats.errors.Error, TimeoutError) as error:
            # NATS went away after the commit: unacknowledged, the messages come back as no-ops (verdicts re-sent).
            log.warning("ack_failed", error=str(error), items=len(done))
            return
        self.counts.recorded += len(done)

    async def _dead_letter(self, js: JetStreamContext, msg: Msg, error: str, attempts: int = 1) -> None:
        await dead_letter(js, self.names, msg, error, attempts)
        self.counts.dead_lettered += 1
        STREAM_DEAD_LETTERED.inc()
        log.warning("dead_lettered", error=error, attempts=attempts)


async def _close(nc: Client) -> None:
    """Send what is buffered (the last acks), then close. Not `drain`: it never ends with a pull subscription."""
    try:
        await nc.flush(timeout=5)
    except (nats.errors.Error, TimeoutError) as error:
        log.warning("flush_failed", error=str(error))  # unsent acks: those messages come again, as no-ops
    await nc.close()
