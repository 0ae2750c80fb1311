"""Symbols on the case page: the matched region drawn over the (still blurred) image, a moderator's confirm or
dispute of each match (audited; it is the symbol's precision), and a region of the image added to a symbol bank.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from PIL import Image

from bastion.banks.entries import BankError
from bastion.core import ContentError
from bastion.media.images import open_image
from bastion.review.accounts import Permission
from bastion.review.queue import may_see, needed_to_work
from bastion.store.banks import qualified_name
from bastion.store.models.core import ItemRow
from bastion.store.models.review import UserRow
from bastion.store.transaction import Transaction
from bastion.symbols.registry import add_symbol, record_opinion
from bastion.web.auth import Forbidden, check_csrf, require

router = APIRouter(include_in_schema=False)
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_MIN_CROP = 16  # pixels a side: smaller regions hold too little to recognise
Csrf = Annotated[str | None, Form()]


def symbol_evidence(tx: Transaction, item: ItemRow) -> dict[str, Any]:
    """The case page's symbol context: the item's recorded matches (with their symbols) and the symbol banks."""
    matches = tx.symbols.matches_of_item(item.platform, item.id)
    found = []
    for match in matches:
        symbol = tx.symbols.get(match.symbol_id)
        if symbol is not None:
            bank = tx.banks.by_id(symbol.bank_id)
            found.append({"match": match, "symbol": symbol, "bank": qualified_name(bank.owner, bank.name)})
    banks = [
        {"name": qualified_name(bank.owner, bank.name), "benign": bank.benign}
        for bank, _ in tx.symbols.banks_with_counts()
    ]
    return {"symbol_matches": found, "symbol_banks": banks}


@router.post("/cases/{case_id}/symbol-matches/{match_id}")
def judge_match(
    request: Request,
    case_id: int,
    match_id: int,
    opinion: Annotated[str, Form()],
    note: Annotated[str, Form()] = "",
    csrf: Csrf = None,
) -> Response:
    """Confirm or dispute that the symbol is really there: audited, and counted in the symbol's precision."""
    check_csrf(request, csrf)
    user = require(request, Permission.DECIDE)
    try:
        with request.app.state.db.transaction() as tx:
            item = _seen_item(tx, case_id, user)
            match = tx.symbols.match(match_id)
            if match is None or (match.platform, match.item_id) != (item.platform, item.id):
                raise BankError(f"no symbol match {match_id} on this case")
            record_opinion(tx, match_id, opinion, user.username, note)
    except BankError as error:
        return _back(request, case_id, str(error))
    return _back(request, case_id, "Symbol match confirmed." if opinion == "confirm" else "Symbol match disputed.")


@router.post("/cases/{case_id}/symbol-crop")
def crop_to_bank(
    request: Request,
    case_id: int,
    bank: Annotated[str, Form()],
    label: Annotated[str, Form()],
    x: Annotated[int, Form()],
    y: Annotated[int, Form()],
    width: Annotated[int, Form()],
    height: Annotated[int, Form()],
    csrf: Csrf = None,
) -> Response:
    """Add a region of the case's image (x, y, width, height in image pixels) to a symbol bank as a reference."""
    check_csrf(request, csrf)
    user = require(request, Permission.DECIDE)
    settings = request.app.state.settings
    try:
        with request.app.state.db.transaction() as tx:
            item = _seen_item(tx, case_id, user)
            image = _kept_image(settings.data_dir / "media", item, settings.max_image_pixels)
            region = _crop(image, x, y, width, height)
            symbol = add_symbol(
                tx,
                bank,
                [region],
                label,
                user.username,
                source=f"case:{case_id}",
                max_pixels=settings.max_image_pixels,
            )
            message = f"Region added to {bank} as symbol {symbol.id} ({label})."
    except (BankError, ContentError) as error:
        return _back(request, case_id, str(error))
    return _back(request, case_id, message)


def _seen_item(tx: Transaction, case_id: int, user: UserRow) -> ItemRow:
    case = tx.cases.get(case_id)
    if case is None:
        raise BankError(f"no case {case_id}")
    if not may_see(case, user):
        raise Forbidden(needed_to_work(case)[0])
    item = tx.items.get(case.platform, case.item_id)
    assert item is not None  # a case's item is deleted with it
    return item


def _kept_image(media_dir: Path, item: ItemRow, max_pixels: int) -> Image.Image:
    sha256 = str(((item.media or {}).get("hashes") or {}).get("sha256", ""))
    path = media_dir / sha256
    if not _SHA256.match(sha256) or not path.is_file():
        raise ContentError("the item's image was not kept, so no region of it can be added")
    return open_image(path.read_bytes(), max_pixels)


def _crop(image: Image.Image, x: int, y: int, width: int, height: int) -> bytes:
    """The region as PNG bytes, or a ContentError saying why it cannot be cut."""
    if width < _MIN_CROP or height < _MIN_CROP:
        raise ContentError(f"a region is at least {_MIN_CROP} x {_MIN_CROP} pixels")
    if x < 0 or y < 0 or x + width > image.width or y + height > image.height:
        raise ContentError(f"the region lies outside the {image.width} x {image.height} image")
    buffer = io.BytesIO()
    image.convert("RGB").crop((x, y, x + width, y + height)).save(buffer, "PNG")
    return buffer.getvalue()


def _back(request: Request, case_id: int, flash: str) -> Response:
    request.session["flash"] = flash
    return RedirectResponse(f"/cases/{case_id}#symbols-h", status_code=303)
