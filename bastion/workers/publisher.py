"""`bastion publish`: put the items of a file on the stream, each stored by JetStream before it counts."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass
from typing import Any

from nats.js.api import PubAck

from bastion.readers import BadRow, Row
from bastion.settings import Settings
from bastion.workers.stream import StreamNames, connect, ensure_streams, item_message

_AT_ONCE = 256  # publishes awaiting their acknowledgement together


@dataclass
class PublishReport:
    published: int = 0
    duplicates: int = 0  # the same item (platform, id, content) published again within JetStream's duplicate window
    bad: int = 0


async def publish_rows(
    settings: Settings, rows: Iterable[Row], platform: str, on_bad: Callable[[BadRow], None]
) -> PublishReport:
    names = StreamNames.of(settings)
    report = PublishReport()
    nc = await connect(settings)
    try:
        js = nc.jetstream()
        await ensure_streams(js, names)
        waiting: list[Coroutine[Any, Any, PubAck]] = []
        for _, row in rows:
            if isinstance(row, BadRow):
                report.bad += 1
                on_bad(row)
                continue
            body, headers = item_message(row, platform)
            waiting.append(js.publish(names.items_subject, body, headers=headers))
            if len(waiting) >= _AT_ONCE:
                _count(report, await asyncio.gather(*waiting))
                waiting = []
        _count(report, await asyncio.gather(*waiting))
    finally:
        await nc.drain()
    return report


def _count(report: PublishReport, acks: list[PubAck]) -> None:
    for ack in acks:
        if ack.duplicate:
            report.duplicates += 1
        else:
            report.published += 1
