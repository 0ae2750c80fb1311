"""`/v1/symbols`: symbol banks over HTTP, with the same functions as `bastion symbols`.

Symbol banks are banks: a key sees its platform's, the installation's and those shared with it, changes only
its platform's own (another platform's private bank is 404, an installation or shared one 403
`read_only_bank`), and the scopes are the hash banks' (`banks:read`, `banks:write`, `admin` to disable a bank
or remove a symbol).
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field, StrictFloat

from bastion.api.auth import Scope, require_scope
from bastion.api.banks import BankBody, BankOut
from bastion.api.errors import BadRequest
from bastion.api.params import RowId
from bastion.banks.entries import BankError, ReadOnlyBank, set_enabled
from bastion.core import Category, ContentError
from bastion.store.db import Database
from bastion.store.models.symbols import SymbolRow
from bastion.store.transaction import Transaction
from bastion.symbols.formats import export_lines, read_lines
from bastion.symbols.registry import (
    DEFAULT_SENSITIVITY,
    add_symbol,
    create_symbol_bank,
    list_symbol_banks,
    precision,
    set_symbol_state,
    symbol_bank,
    symbols_of,
)

router = APIRouter(prefix="/v1/symbols", tags=["symbols"])
BanksRead = Annotated[str, Depends(require_scope(Scope.BANKS_READ))]
BanksWrite = Annotated[str, Depends(require_scope(Scope.BANKS_WRITE))]
Admin = Annotated[str, Depends(require_scope(Scope.ADMIN))]


class SymbolBankIn(BankBody):
    category: Category = Category.PROPAGANDA


class SymbolIn(BaseModel):
    label: str = Field(min_length=1, max_length=256)
    images: list[str] = Field(min_length=1, max_length=10, description="reference images, base64")
    labels: list[str] = Field(default_factory=list)
    source: str | None = None
    sensitivity: StrictFloat = Field(default=DEFAULT_SENSITIVITY, ge=0.0, le=1.0)


class SymbolOut(BaseModel):
    id: int
    label: str
    labels: list[str]
    source: str | None
    sensitivity: float
    state: str
    references: int
    confirmed: int
    disputed: int
    precision: float | None = Field(description="confirmed / reviewed matches; null before any review")


class ImportIn(BaseModel):
    file: str = Field(description="JSON lines, as the export writes them")


class FeedbackIn(BaseModel):
    opinion: str = Field(pattern="^(confirm|dispute)$")
    note: str = ""


def _db(request: Request) -> Database:
    return request.app.state.db  # type: ignore[no-any-return]


def _max_pixels(request: Request) -> int:
    return int(request.app.state.settings.max_image_pixels)


def _error(error: BankError | ContentError) -> BadRequest:
    if isinstance(error, ContentError):
        return BadRequest(422, "invalid_content", str(error))
    if isinstance(error, ReadOnlyBank):
        return BadRequest(403, "read_only_bank", str(error))
    message = str(error)
    if message.startswith(("no symbol", "no bank")):
        return BadRequest(404, "not_found", message)
    return BadRequest(409 if "already exists" in message else 422, "bank_error", message)


@router.get("/banks", summary="Every symbol bank this key sees, with its number of active symbols")
def banks(request: Request, platform: BanksRead) -> list[BankOut]:
    with _db(request).snapshot() as tx:
        return [_bank_out(bank, count, platform) for bank, count in list_symbol_banks(tx, platform)]


@router.post("/banks", status_code=201, summary="Create a symbol bank (an allow bank of look-alikes with benign)")
def create(body: SymbolBankIn, request: Request, platform: BanksWrite) -> BankOut:
    try:
        with _db(request).transaction() as tx:
            row = create_symbol_bank(tx, body, f"platform:{platform}", body.category, owner=platform)
            return _bank_out(row, 0, platform)
    except BankError as error:
        raise _error(error) from None


@router.post("/banks/{name}/enable", summary="Let the symbol bank match again")
def enable(name: str, request: Request, platform: BanksWrite) -> dict[str, Any]:
    return _set_enabled(request, name, True, platform)


@router.post("/banks/{name}/disable", summary="Stop the symbol bank from matching (symbols are kept)")
def disable(name: str, request: Request, platform: Admin) -> dict[str, Any]:
    return _set_enabled(request, name, False, platform)


@router.get("/banks/{name}/symbols", summary="The bank's symbols, with the precision moderators' reviews give each")
def symbols(name: str, request: Request, platform: BanksRead) -> list[SymbolOut]:
    try:
        with _db(request).snapshot() as tx:
            return _symbols_out(tx, symbols_of(tx, name, platform))
    except BankError as error:
        raise _error(error) from None


@router.post("/banks/{name}/symbols", status_code=201, summary="Register a symbol from its reference images")
def add(name: str, body: SymbolIn, request: Request, platform: BanksWrite) -> SymbolOut:
    try:
        images = [base64.b64decode(image, validate=True) for image in body.images]
    except (binascii.Error, ValueError):
        raise BadRequest(422, "invalid_content", "an image is not valid base64") from None
    try:
        with _db(request).transaction() as tx:
            symbol = add_symbol(
                tx,
                name,
                images,
                body.label,
                f"platform:{platform}",
                labels=body.labels,
                source=body.source,
                sensitivity=body.sensitivity,
                platform=platform,
                max_pixels=_max_pixels(request),
            )
            return _symbols_out(tx, [symbol])[0]
    except (BankError, ContentError) as error:
        raise _error(error) from None


class _JSONLines(PlainTextResponse):
    media_type = "application/x-ndjson"  # what the schema then documents, as the response sends it


@router.get("/banks/{name}/export", summary="The bank's active symbols as JSON lines", response_class=_JSONLines)
def export(name: str, request: Request, platform: BanksRead) -> PlainTextResponse:
    try:
        with _db(request).snapshot() as tx:
            symbol_bank(tx, name, platform)
            body = "".join(line + "\n" for line in export_lines(tx, name, platform))
    except BankError as error:
        raise _error(error) from None
    return _JSONLines(body)


@router.post("/banks/{name}/import", status_code=201, summary="Add the symbols of an export (all or nothing)")
def import_(name: str, body: ImportIn, request: Request, platform: BanksWrite) -> dict[str, Any]:
    try:
        with _db(request).transaction() as tx:
            added = [
                add_symbol(
                    tx,
                    name,
                    record.images,
                    record.label,
                    f"platform:{platform}",
                    labels=record.labels,
                    source=record.source,
                    sensitivity=record.sensitivity,
                    platform=platform,
                    max_pixels=_max_pixels(request),
                ).id
                for record in read_lines(body.file.splitlines())
            ]
    except (BankError, ContentError) as error:
        raise _error(error) from None
    return {"added": len(added), "symbol_ids": added}


# Digits only in the path: `DELETE /v1/symbols/banks` is then the 405 of `/banks`, not a 422 about a symbol id.
@router.delete("/{symbol_id:int}", summary="Remove a symbol (kept and audited; it stops matching)")
def remove(symbol_id: RowId, request: Request, platform: Admin) -> dict[str, Any]:
    try:
        with _db(request).transaction() as tx:
            set_symbol_state(tx, symbol_id, "removed", f"platform:{platform}", platform=platform)
    except BankError as error:
        raise _error(error) from None
    return {"id": symbol_id, "state": "removed"}


def _set_enabled(request: Request, name: str, enabled: bool, platform: str) -> dict[str, Any]:
    try:
        with _db(request).transaction() as tx:
            symbol_bank(tx, name, platform, write=True)
            set_enabled(tx, name, enabled, f"platform:{platform}", platform)
    except BankError as error:
        raise _error(error) from None
    return {"name": name, "enabled": enabled}


def _symbols_out(tx: Transaction, rows: list[SymbolRow]) -> list[SymbolOut]:
    references = tx.symbols.references([s.id for s in rows])
    opinions = tx.symbols.opinions([s.id for s in rows])
    out = []
    for s in rows:
        confirmed, disputed = opinions.get(s.id, (0, 0))
        out.append(
            SymbolOut(
                id=s.id,
                label=s.label,
                labels=s.labels,
                source=s.source,
                sensitivity=s.sensitivity,
                state=s.state,
                references=len(references.get(s.id, [])),
                confirmed=confirmed,
                disputed=disputed,
                precision=precision(confirmed, disputed),
            )
        )
    return out


def _bank_out(bank: Any, count: int, platform: str) -> BankOut:
    return BankOut(
        name=bank.name,
        owner=bank.owner,
        read_only=bank.owner != platform,
        description=bank.description,
        enabled=bank.enabled,
        benign=bank.benign,
        category=bank.category,
        pdq_threshold=None,
        entries=count,
    )
