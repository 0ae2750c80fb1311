"""The stream of items on NATS JetStream: its names, its streams, and how an item travels in a message.

Everything is named after `BASTION_NATS_STREAM` (default `BASTION`), so that
several deployments and test runs share one NATS server without meeting:

    <S>            stream of items to check   subject <S>.items     (work queue: gone once acknowledged)
    <S>_VERDICTS   stream of verdicts          subject <S>.verdicts
    <S>_DLQ        dead letters                subject <S>.dlq

A message's body is one item as JSON (the item contract of the README); the
header `Bastion-Platform` says whose item it is (default `local`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta

import nats
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import RetentionPolicy, StreamConfig
from nats.js.errors import NotFoundError
from pydantic import ValidationError

from bastion.core import Item
from bastion.settings import Settings
from bastion.store.stream import Delivery
from bastion.wire import MalformedJSON, loads

PLATFORM_HEADER = "Bastion-Platform"
MESSAGE_ID_HEADER = "Nats-Msg-Id"  # JetStream drops a second message of one id within its duplicate window
DEFAULT_PLATFORM = "local"
_VERDICTS_KEPT = timedelta(days=7)


@dataclass(frozen=True)
class StreamNames:
    stream: str

    @classmethod
    def of(cls, settings: Settings) -> StreamNames:
        return cls(settings.nats_stream)

    @property
    def items_subject(self) -> str:
        return f"{self.stream}.items"

    @property
    def verdicts(self) -> str:
        return f"{self.stream}_VERDICTS"

    @property
    def verdicts_subject(self) -> str:
        return f"{self.stream}.verdicts"

    @property
    def dead_letters(self) -> str:
        return f"{self.stream}_DLQ"

    @property
    def dead_letters_subject(self) -> str:
        return f"{self.stream}.dlq"

    @property
    def durable(self) -> str:
        """The consumer every worker shares: each message goes to one of them."""
        return f"{self.stream}_workers"


class StreamUnavailable(RuntimeError):
    """NATS could not be reached at the configured URL."""


async def connect(settings: Settings) -> Client:
    """A connection that keeps trying to reconnect (a NATS restart pauses workers, it does not end them).

    The first attempt is made once, without retrying: a wrong URL is an error at once, not an endless wait.
    """
    try:
        probe = await nats.connect(
            settings.nats_url, connect_timeout=3, max_reconnect_attempts=1, reconnect_time_wait=0, error_cb=_quiet
        )
        await probe.close()
    except (OSError, TimeoutError, nats.errors.Error) as error:
        problem = str(error) or type(error).__name__
        raise StreamUnavailable(f"NATS is not reachable at {settings.nats_url} ({problem})") from None
    return await nats.connect(
        settings.nats_url, connect_timeout=3, allow_reconnect=True, max_reconnect_attempts=-1, reconnect_time_wait=1
    )


async def _quiet(error: Exception) -> None:
    """The probe's failures are reported once, as StreamUnavailable, not as the client's tracebacks."""


async def ensure_streams(js: JetStreamContext, names: StreamNames) -> None:
    """Create the item, verdict and dead-letter streams unless they exist (idempotent; every process calls it)."""
    wanted = [
        StreamConfig(name=names.stream, subjects=[names.items_subject], retention=RetentionPolicy.WORK_QUEUE),
        StreamConfig(name=names.verdicts, subjects=[names.verdicts_subject], max_age=_VERDICTS_KEPT.total_seconds()),
        StreamConfig(name=names.dead_letters, subjects=[names.dead_letters_subject]),
    ]
    for config in wanted:
        try:
            await js.stream_info(str(config.name))
        except NotFoundError:
            await js.add_stream(config)


def content_digest(item: Item) -> str:
    """The digest of the item as sent: the same item delivered twice has the same digest."""
    body = json.dumps(item.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(body.encode()).hexdigest()


def item_message(item: Item, platform: str) -> tuple[bytes, dict[str, str]]:
    """The body and headers that carry an item onto the stream; its id makes a repeated publish a no-op."""
    digest = content_digest(item)
    headers = {PLATFORM_HEADER: platform, MESSAGE_ID_HEADER: f"{platform}/{item.id}/{digest}"}
    return item.model_dump_json(exclude_none=True).encode(), headers


class NotAnItem(ValueError):
    """A message whose body is not an item: it goes to the dead letters at once (retrying cannot help)."""


def delivery_of(data: bytes, headers: dict[str, str] | None) -> Delivery:
    """The item a message carries, or NotAnItem saying what is wrong with it."""
    platform = (headers or {}).get(PLATFORM_HEADER) or DEFAULT_PLATFORM
    if len(platform) > 128:
        raise NotAnItem("the Bastion-Platform header is longer than 128 characters")
    try:
        item = Item.model_validate(loads(data))
    except MalformedJSON as error:
        raise NotAnItem(f"the body is not JSON: {error}") from None
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in error.errors()[:5])
        raise NotAnItem(f"the body is not an item: {problems}") from None
    if item.media is not None and item.media.path is not None:
        raise NotAnItem("media.path is read by `bastion publish` only; send media.base64")  # never open a named path
    return Delivery(item, platform, content_digest(item))
