"""Bank entries from media files: hashed locally, the file itself not kept."""

from __future__ import annotations

from pathlib import PurePath

from bastion.banks.entries import NewEntry
from bastion.banks.vpdq import serialise
from bastion.media.hashing import MediaHashes, hash_image, hash_video

VIDEO_SUFFIXES = {".mp4", ".webm", ".mov", ".mkv", ".avi"}


def hash_file(name: str, data: bytes, max_pixels: int, max_video_seconds: int) -> MediaHashes:
    if PurePath(name).suffix.lower() in VIDEO_SUFFIXES:
        return hash_video(data, max_video_seconds)
    return hash_image(data, max_pixels)


def entries_from_media(name: str, hashes: MediaHashes, labels: list[str], source: str | None) -> list[NewEntry]:
    extra = {"file": PurePath(name).name}
    entries = [
        NewEntry("md5", hashes.md5, labels, source, 1.0, extra),
        NewEntry("sha256", hashes.sha256, labels, source, 1.0, extra),
    ]
    if hashes.frames:
        entries.append(NewEntry("vpdq", serialise(hashes.frames), labels, source, 1.0, extra))
    else:
        entries += [NewEntry("pdq", pdq, labels, source, 1.0, extra) for pdq in hashes.pdq]
    return entries
