"""Keep the bytes of media that need a person (or the law) to look at them again.

Only items that open a case are kept, content-addressed by SHA-256 in the data
directory: reviewers must see what they judge, and removal orders require
removed content to be preserved (EU TCO Art. 6). Everything else is kept as
hashes only.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Collection
from pathlib import Path


def preserve(media_dir: Path, data: bytes) -> str:
    """Store the bytes once under their SHA-256 (atomically; a crash leaves no half file)."""
    digest = hashlib.sha256(data).hexdigest()
    target = media_dir / digest
    if target.exists():
        return digest
    media_dir.mkdir(mode=0o700, parents=True, exist_ok=True)  # the files are 0600 (tempfile makes them so)
    with tempfile.NamedTemporaryFile(dir=media_dir, delete=False) as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(handle.name, target)
    return digest


class HeldMaterial(RuntimeError):
    """Media a preservation hold keeps (TCO Art 6): no retention or deletion job may remove it."""


def discard(media_dir: Path, digest: str, held: Collection[str]) -> bool:
    """Delete kept media by its SHA-256, unless a live hold keeps it (`held`: `tx.holds.held_digests(now)`).

    Every job that deletes kept media goes through here; True when a file was removed."""
    if digest in held:
        raise HeldMaterial(f"media {digest[:12]}… is preserved under a hold and cannot be deleted")
    path = media_dir / digest
    if not path.is_file():
        return False
    path.unlink()
    return True
