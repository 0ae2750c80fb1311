"""The TVEC policy as a document: the one written definition moderators, the judge and training apply.

A Markdown file with YAML front matter (`version:` at least, `title:`
optionally). Bastion ships a default (`bastion/data/policies/tvec-policy.md`);
a platform points `BASTION_TVEC_POLICY_FILE` at its own. The version recorded
with every judge answer, training label and decision is the front matter's
version joined to a digest of the whole file (`1+3fa2c0d1`), so an edit that
forgets to bump the number still reads as a different policy.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

DEFAULT_POLICY = Path(__file__).resolve().parents[1] / "data" / "policies" / "tvec-policy.md"
_FENCE = "---"


class PolicyDocumentError(ValueError):
    """The policy file cannot be read as a policy document."""


@dataclass(frozen=True)
class TvecPolicy:
    version: str  # as recorded: "<front matter version>+<digest of the file>"
    title: str
    body: str  # the Markdown after the front matter

    @classmethod
    def load(cls, path: Path = DEFAULT_POLICY) -> TvecPolicy:
        try:
            raw = path.read_bytes()
        except OSError as error:
            raise PolicyDocumentError(f"cannot read the TVEC policy {path}: {error.strerror}") from None
        front, body = _split(raw.decode("utf-8-sig", errors="replace"), path)
        declared = front.get("version")
        if declared is None or not str(declared).strip():
            raise PolicyDocumentError(f"{path}: the front matter needs a 'version:'")
        digest = hashlib.sha256(raw).hexdigest()[:8]
        return cls(f"{str(declared).strip()}+{digest}", str(front.get("title") or "TVEC policy"), body.strip())


@cache
def policy_at(path: Path, mtime_ns: int, size: int) -> TvecPolicy:
    """The policy at `path` as of its modification time and size (the key makes an edited file load anew)."""
    return TvecPolicy.load(path)


def current_policy(path: Path) -> TvecPolicy:
    """The policy in force: the file as it is now, re-read only when it changed."""
    try:
        stat = path.stat()
    except OSError as error:
        raise PolicyDocumentError(f"cannot read the TVEC policy {path}: {error.strerror}") from None
    return policy_at(path, stat.st_mtime_ns, stat.st_size)


def _split(text: str, path: Path) -> tuple[dict[str, object], str]:
    lines = text.splitlines()
    if not lines or lines[0].strip() != _FENCE:
        raise PolicyDocumentError(f"{path}: a policy starts with front matter between '---' lines")
    try:
        end = next(number for number, line in enumerate(lines[1:], start=1) if line.strip() == _FENCE)
    except StopIteration:
        raise PolicyDocumentError(f"{path}: the front matter is never closed with '---'") from None
    try:
        front = yaml.safe_load("\n".join(lines[1:end])) or {}
    except yaml.YAMLError as error:
        raise PolicyDocumentError(f"{path}: the front matter is not YAML ({error})") from None
    if not isinstance(front, dict):
        raise PolicyDocumentError(f"{path}: the front matter is not a mapping")
    return front, "\n".join(lines[end + 1 :])
