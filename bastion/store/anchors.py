"""Anchors: the audit chain's head, signed and kept outside the database, so truncation shows.

The hash chain proves that no record was edited or removed from the middle,
but whoever can write the database can delete the newest records and the
chain that is left still verifies. An anchor pins a head, `(seq, hash, at)`,
signed with HMAC-SHA256 under `BASTION_AUDIT_KEY`, in an append-only JSON-lines
file in the data dir (0600) and, if the operator asks, in a file they ship
elsewhere. Verifying against anchors fails when the chain no longer holds an
anchored record with its anchored hash: truncated, or rewritten from there on.
The record hashes themselves are unchanged, so existing chains stay valid.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from bastion.store.audit import AuditRepository

ANCHORS_FILE = "audit-anchors.jsonl"


class AnchorError(ValueError):
    """An anchors file cannot be read, or an anchor is not signed by the key."""


@dataclass(frozen=True)
class Anchor:
    """One signed head of the chain: record `seq` had hash `hash` at time `at`."""

    seq: int
    hash: str
    at: str
    mac: str

    @classmethod
    def sign(cls, seq: int, record_hash: str, at: datetime, key: str) -> Anchor:
        when = at.isoformat()
        return cls(seq, record_hash, when, _mac(seq, record_hash, when, key))

    def signed_by(self, key: str) -> bool:
        return hmac.compare_digest(self.mac, _mac(self.seq, self.hash, self.at, key))

    def line(self) -> str:
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":"))


def _mac(seq: int, record_hash: str, at: str, key: str) -> str:
    body = json.dumps({"at": at, "hash": record_hash, "seq": seq}, sort_keys=True, separators=(",", ":"))
    return hmac.new(key.encode(), b"bastion-audit-anchor\0" + body.encode(), hashlib.sha256).hexdigest()


def anchor_head(audit: AuditRepository, key: str, at: datetime) -> Anchor | None:
    """The chain's current head, signed; None while the chain is empty."""
    head = audit.head()
    return None if head is None else Anchor.sign(head[0], head[1], at, key)


def append_anchor(path: Path, anchor: Anchor) -> None:
    """Add one anchor line to `path`, created 0600; earlier lines are never rewritten."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(descriptor, "a", encoding="utf-8") as handle:
        handle.write(anchor.line() + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def read_anchors(path: Path) -> list[Anchor]:
    """Every anchor in the file, in order; AnchorError naming the line that is not one."""
    anchors = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            fields = json.loads(line)
            anchors.append(Anchor(int(fields["seq"]), str(fields["hash"]), str(fields["at"]), str(fields["mac"])))
        except (ValueError, KeyError, TypeError) as error:
            raise AnchorError(f"{path.name} line {number} is not an anchor ({type(error).__name__})") from None
    return anchors


@dataclass(frozen=True)
class AnchorReport:
    anchors: int
    newest: int | None
    problem: str | None

    @property
    def ok(self) -> bool:
        return self.problem is None


def check_anchors(audit: AuditRepository, anchors: list[Anchor], key: str) -> AnchorReport:
    """Whether the chain still holds every anchored record with its anchored hash; names the first that it does not.

    An anchor whose MAC does not match the key is itself a failure: it was forged, edited or signed by another key.
    """
    for anchor in anchors:
        if not anchor.signed_by(key):
            return AnchorReport(len(anchors), None, f"the anchor of record {anchor.seq} is not signed by this key")
    hashes = audit.hashes_of(sorted({anchor.seq for anchor in anchors}))
    for anchor in sorted(anchors, key=lambda a: a.seq, reverse=True):
        found = hashes.get(anchor.seq)
        if found is None:
            return AnchorReport(
                len(anchors),
                anchor.seq,
                f"anchored record {anchor.seq} (anchored {anchor.at}) is missing: the chain was truncated",
            )
        if not hmac.compare_digest(found, anchor.hash):
            return AnchorReport(
                len(anchors),
                anchor.seq,
                f"record {anchor.seq} no longer has the hash anchored {anchor.at}: the chain was rewritten",
            )
    return AnchorReport(len(anchors), max((a.seq for a in anchors), default=None), None)
