"""Dead letters: stream messages that could not be checked, kept with their error until someone replays them.

A message goes here when it is not an item (retrying cannot help), when its
item is refused as sent, or when checking it failed `worker_max_deliveries`
times while the database was reachable (a poison message). `bastion dlq list`
and the admin page show them; `replay` puts them back on the item stream after
a fix and removes them from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from bastion.core import utcnow
from bastion.wire import loads
from bastion.workers.stream import DEFAULT_PLATFORM, MESSAGE_ID_HEADER, PLATFORM_HEADER, StreamNames

ERROR_HEADER = "Bastion-Error"
ATTEMPTS_HEADER = "Bastion-Attempts"
DEAD_AT_HEADER = "Bastion-Dead-At"
_MAX_ERROR_CHARS = 2000


@dataclass(frozen=True)
class DeadLetter:
    seq: int  # its place in the dead-letter stream: what `replay` names
    platform: str
    item_id: str | None  # None when the body is not an item with an id
    error: str
    attempts: int
    dead_at: datetime | None
    body: bytes


async def dead_letter(js: JetStreamContext, names: StreamNames, msg: Msg, error: str, attempts: int) -> None:
    """Keep the message with its error in the dead-letter stream, then take it off the item stream.

    Published first and acknowledged after: a crash in between leaves it in both, never in neither.
    """
    headers = {
        PLATFORM_HEADER: (msg.headers or {}).get(PLATFORM_HEADER, DEFAULT_PLATFORM),
        ERROR_HEADER: " ".join(error.split())[:_MAX_ERROR_CHARS] or "unknown error",  # one header line
        ATTEMPTS_HEADER: str(attempts),
        DEAD_AT_HEADER: utcnow().isoformat(),
    }
    await js.publish(names.dead_letters_subject, msg.data, headers=headers)
    await msg.ack()


async def dead_letters(js: JetStreamContext, names: StreamNames, limit: int = 100) -> list[DeadLetter]:
    """The oldest `limit` dead letters, oldest first."""
    found: list[DeadLetter] = []
    seq = 1
    while len(found) < limit:
        try:
            raw = await js.get_msg(names.dead_letters, seq=seq, subject=names.dead_letters_subject, next=True)
        except NotFoundError:
            break
        assert raw.seq is not None
        found.append(_letter(raw.seq, raw.data or b"", raw.headers or {}))
        seq = raw.seq + 1
    return found


async def dead_letter_count(js: JetStreamContext, names: StreamNames) -> int:
    info = await js.stream_info(names.dead_letters)
    return int(info.state.messages)


async def replay(js: JetStreamContext, names: StreamNames, seqs: list[int]) -> list[int]:
    """Put these dead letters back on the item stream and remove them here; returns the seqs replayed."""
    replayed = []
    for seq in seqs:
        try:
            raw = await js.get_msg(names.dead_letters, seq=seq)
        except NotFoundError:
            continue
        platform = (raw.headers or {}).get(PLATFORM_HEADER, DEFAULT_PLATFORM)
        # A fresh message id: the original one may still be inside the stream's duplicate window.
        headers = {PLATFORM_HEADER: platform, MESSAGE_ID_HEADER: f"replay/{names.dead_letters}/{seq}"}
        await js.publish(names.items_subject, raw.data or b"", headers=headers)
        await js.delete_msg(names.dead_letters, seq)
        replayed.append(seq)
    return replayed


def _letter(seq: int, body: bytes, headers: dict[str, str]) -> DeadLetter:
    try:
        fields = loads(body)
        item_id = str(fields["id"]) if isinstance(fields, dict) and "id" in fields else None
    except ValueError:
        item_id = None
    dead_at = headers.get(DEAD_AT_HEADER)
    return DeadLetter(
        seq=seq,
        platform=headers.get(PLATFORM_HEADER, DEFAULT_PLATFORM),
        item_id=item_id,
        error=headers.get(ERROR_HEADER, ""),
        attempts=int(headers.get(ATTEMPTS_HEADER, "0") or 0),
        dead_at=datetime.fromisoformat(dead_at).astimezone(UTC) if dead_at else None,
        body=body,
    )
