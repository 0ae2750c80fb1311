"""`/v1/banks`: manage hash banks over HTTP, with the same functions as `bastion banks`.

A key sees its platform's banks, the installation's and those shared with it, and changes only its
platform's own: another platform's private bank is 404 (as if it did not exist), an installation or
shared bank is 403 `read_only_bank`. The rules are `bastion.banks.entries`'s.
"""

from __future__ import annotations

import base64
import binascii
import io
from itertools import chain
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, Request
from pydantic import BaseModel, Field, StrictBool, StrictFloat, StrictInt

from bastion.api.auth import Scope, require_scope
from bastion.api.errors import BadRequest
from bastion.api.params import RowId
from bastion.banks.entries import (
    BankError,
    NewEntry,
    ReadOnlyBank,
    add_entries,
    create_bank,
    entries_of,
    list_banks,
    record_feedback,
    set_enabled,
    set_entry_state,
    valid_entry,
)
from bastion.banks.formats import FORMATS, iter_entries
from bastion.banks.media import entries_from_media, hash_file
from bastion.core import Bank, Category, ContentError
from bastion.settings import Settings
from bastion.store.db import Database
from bastion.store.models.banks import BankRow

router = APIRouter(prefix="/v1/banks", tags=["banks"])
BanksRead = Annotated[str, Depends(require_scope(Scope.BANKS_READ))]
BanksWrite = Annotated[str, Depends(require_scope(Scope.BANKS_WRITE))]
# Disabling a bank or deleting an entry silently stops matching known content: an admin's act, not an integration's.
Admin = Annotated[str, Depends(require_scope(Scope.ADMIN))]


class BankBody(Bank):
    """A bank as a request gives it. Strict types: pydantic would read `"benign": 0` or `"yes"` as a boolean the
    schema says must be true or false (schemathesis found `0` accepted)."""

    enabled: StrictBool = True
    benign: StrictBool = False


class BankIn(BankBody):
    category: Category = Category.PROPAGANDA
    pdq_threshold: StrictInt | None = Field(default=None, ge=0, le=128)


class BankOut(BaseModel):
    name: str
    owner: str | None = Field(description="the platform that owns it; null for an installation bank")
    read_only: bool = Field(description="true for an installation bank or one shared with this platform")
    description: str
    enabled: bool
    benign: bool
    category: str
    pdq_threshold: int | None
    entries: int


class HashIn(BaseModel):
    kind: str = "pdq"
    value: str
    labels: list[str] = Field(default_factory=list)
    source: str | None = None
    confidence: StrictFloat = Field(default=1.0, ge=0.0, le=1.0)  # a number, never the text "0.5"


class MediaIn(BaseModel):
    name: str = Field(description="file name; its suffix tells video from image")
    base64: str
    labels: list[str] = Field(default_factory=list)
    source: str | None = None


class EntriesIn(BaseModel):
    hashes: list[HashIn] = Field(default_factory=list, max_length=100_000)
    media: list[MediaIn] = Field(default_factory=list, max_length=20)
    file: str | None = Field(default=None, description="a whole bank file, in `format`")
    format: str = Field(default="csv", description=f"one of {', '.join(FORMATS)}")


class EntriesOut(BaseModel):
    added: int
    already_there: int
    entry_ids: list[int]


class FeedbackIn(BaseModel):
    opinion: str = Field(pattern="^(confirm|dispute)$")
    note: str = ""


def _db(request: Request) -> Database:
    return request.app.state.db  # type: ignore[no-any-return]


def _settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def _bank_error(error: BankError) -> BadRequest:
    if isinstance(error, ReadOnlyBank):
        return BadRequest(403, "read_only_bank", str(error))
    status = 404 if str(error).startswith("no bank") else 409 if "already exists" in str(error) else 422
    return BadRequest(status, "bank_error", str(error))


def _entry_error(error: BankError) -> BadRequest:
    """404 for an entry that is not there (or in a bank this platform cannot see), 403 in a bank it may only use,
    422 for a note Bastion cannot keep."""
    if isinstance(error, ReadOnlyBank):
        return BadRequest(403, "read_only_bank", str(error))
    if str(error).startswith("no bank entry"):
        return BadRequest(404, "not_found", str(error))
    return BadRequest(422, "bank_error", str(error))


@router.get("", summary="Every bank with its number of live entries")
def banks(request: Request, platform: BanksRead) -> list[BankOut]:
    with _db(request).snapshot() as tx:
        return [_out(bank, count, platform) for bank, count in list_banks(tx, platform)]


@router.post("", status_code=201, summary="Create a bank")
def create(body: BankIn, request: Request, platform: BanksWrite) -> BankOut:
    try:
        with _db(request).transaction() as tx:
            row = create_bank(tx, body, f"platform:{platform}", body.category, body.pdq_threshold, owner=platform)
            return _out(row, 0, platform)
    except BankError as error:
        raise _bank_error(error) from None


@router.post("/{name}/enable", summary="Let the bank match again")
def enable(name: str, request: Request, platform: BanksWrite) -> dict[str, Any]:
    return _set_enabled(request, name, True, platform)


@router.post("/{name}/disable", summary="Stop the bank from matching (entries are kept)")
def disable(name: str, request: Request, platform: Admin) -> dict[str, Any]:
    return _set_enabled(request, name, False, platform)


@router.post("/{name}/entries", status_code=201, summary="Add raw hashes, media (hashed here, not kept) or a bank file")
def add(name: str, body: EntriesIn, request: Request, platform: BanksWrite, tasks: BackgroundTasks) -> EntriesOut:
    try:
        hashes = [_hash_entry(number, h) for number, h in enumerate(body.hashes)]
        media = _media_entries(body.media, _settings(request))
        # The file is read a batch at a time as it is written, in one transaction: a bad line adds nothing.
        file = iter_entries(io.StringIO(body.file, newline=""), body.format) if body.file else ()
        with _db(request).transaction() as tx:
            entries = chain(hashes, media, file)
            added, existing = add_entries(tx, name, entries, f"platform:{platform}", platform)
            if not added and not existing:
                raise BadRequest(422, "invalid_entries", "send 'hashes', 'media' or a 'file'")
    except BankError as error:
        raise _bank_error(error) from None
    tasks.add_task(request.app.state.retro.run_once)  # after the response; the worker's loop is the safety net
    return EntriesOut(added=len(added), already_there=existing, entry_ids=added)


@router.get("/{name}/entries", summary="The bank's live entries with their provenance")
def entries(name: str, request: Request, platform: BanksRead) -> list[dict[str, Any]]:
    try:
        with _db(request).snapshot() as tx:
            return [
                {
                    "id": e.id,
                    "kind": e.kind,
                    "value": e.value,
                    "labels": e.labels,
                    "source": e.source,
                    "confidence": e.confidence,
                    "added_by": e.added_by,
                    "added_at": e.added_at.isoformat(),
                }
                for e in entries_of(tx, name, platform=platform)
            ]
    except BankError as error:
        raise _bank_error(error) from None


@router.delete("/entries/{entry_id}", summary="Remove an entry")
def remove(entry_id: RowId, request: Request, platform: Admin) -> dict[str, Any]:
    try:
        with _db(request).transaction() as tx:
            set_entry_state(tx, entry_id, "removed", f"platform:{platform}", platform=platform)
    except BankError as error:
        raise _entry_error(error) from None
    return {"id": entry_id, "state": "removed"}


@router.post("/entries/{entry_id}/feedback", summary="Confirm or dispute an entry, for its source")
def feedback(entry_id: RowId, body: FeedbackIn, request: Request, platform: BanksWrite) -> dict[str, Any]:
    try:
        with _db(request).transaction() as tx:
            record_feedback(tx, entry_id, body.opinion, f"platform:{platform}", body.note, platform)
    except BankError as error:
        raise _entry_error(error) from None
    return {"id": entry_id, "opinion": body.opinion}


def _hash_entry(number: int, hash_in: HashIn) -> NewEntry:
    try:
        return valid_entry(NewEntry(hash_in.kind, hash_in.value, hash_in.labels, hash_in.source, hash_in.confidence))
    except BankError as error:
        raise BankError(f"hashes[{number}]: {error}") from None


def _media_entries(media: list[MediaIn], settings: Settings) -> list[NewEntry]:
    entries: list[NewEntry] = []
    for file in media:
        try:
            data = base64.b64decode(file.base64, validate=True)
            hashes = hash_file(file.name, data, settings.max_image_pixels, settings.max_video_seconds)
        except (binascii.Error, ValueError) as error:
            raise BadRequest(422, "invalid_content", f"{file.name}: {error}") from None
        except ContentError as error:
            raise BadRequest(422, "invalid_content", f"{file.name}: {error}") from None
        entries += entries_from_media(file.name, hashes, file.labels, file.source)
    return entries


def _set_enabled(request: Request, name: str, enabled: bool, platform: str) -> dict[str, Any]:
    try:
        with _db(request).transaction() as tx:
            set_enabled(tx, name, enabled, f"platform:{platform}", platform)
    except BankError as error:
        raise _bank_error(error) from None
    return {"name": name, "enabled": enabled}


def _out(bank: BankRow, count: int, platform: str) -> BankOut:
    return BankOut(
        name=bank.name,
        owner=bank.owner,
        read_only=bank.owner != platform,
        description=bank.description,
        enabled=bank.enabled,
        benign=bank.benign,
        category=bank.category,
        pdq_threshold=bank.pdq_threshold,
        entries=count,
    )
