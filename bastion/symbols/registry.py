"""Symbol banks and their symbols: who may use or change which, what a symbol may hold, every change audited.

A symbol bank is a bank (`bastion.banks.entries`) that holds symbols: the same names, owners, sharing,
enable/disable and allow banks as hash banks, so the same rules say who may do what. A symbol is one or
more reference images with a label, provenance and a sensitivity; its features are computed once, here,
when an image is added, and stored beside it.
"""

from __future__ import annotations

import hashlib
import io

import cv2
import numpy as np

from bastion.banks.entries import (
    BankError,
    ReadOnlyBank,
    applies_to,
    bank_subject,
    create_bank,
    get_bank,
    valid_text,
)
from bastion.core import Bank, Category, utcnow
from bastion.media.images import DEFAULT_MAX_PIXELS, open_image
from bastion.store.models.banks import BankRow
from bastion.store.models.symbols import SymbolMatchRow, SymbolRow
from bastion.store.transaction import Transaction
from bastion.symbols.engine import describe_reference

_MAX_LABEL = 256
_MAX_SOURCE = 256
# Reference images are kept at most this wide or high: enough to describe and to show, small in the database.
_KEPT_SIDE = 512
DEFAULT_SENSITIVITY = 0.7
SYMBOL_STATES = ("active", "quarantined", "removed")


class SymbolError(BankError):
    """A symbol operation that cannot be done as asked (unknown symbol, a plain image, a hash bank)."""


def create_symbol_bank(
    tx: Transaction, bank: Bank, actor: str, category: Category = Category.PROPAGANDA, owner: str | None = None
) -> BankRow:
    """A new bank of symbols; its name is unique among all banks its platform sees, hash banks included."""
    row = create_bank(tx, bank, actor, category, None, owner)
    row.holds = "symbols"
    tx.audit.append(action="symbols.bank", subject=bank_subject(row), actor=actor, payload={"holds": "symbols"})
    return row


def symbol_bank(tx: Transaction, name: str, platform: str | None = None, *, write: bool = False) -> BankRow:
    """The symbol bank `platform` sees by that name (and may change, with `write`), under the hash banks' rules."""
    row = get_bank(tx, name, platform, write=write)
    if row.holds != "symbols":
        raise SymbolError(f"bank {name!r} holds hashes, not symbols: use `bastion banks`")
    return row


def list_symbol_banks(tx: Transaction, platform: str | None = None) -> list[tuple[BankRow, int]]:
    return tx.symbols.banks_with_counts(platform)


def reference_of(data: bytes, max_pixels: int = DEFAULT_MAX_PIXELS) -> tuple[bytes, bytes, str]:
    """(PNG kept, features, SHA-256 of the bytes given) of a reference image, decoded under the media limits.

    Raises ContentError for what is no image (or a bomb), SymbolError for an image with too little to match on."""
    image = open_image(data, max_pixels).convert("RGB")
    image.thumbnail((_KEPT_SIDE, _KEPT_SIDE))
    pixels = cv2.cvtColor(np.asarray(image), cv2.COLOR_RGB2BGR)
    try:
        features = describe_reference(pixels).to_bytes()
    except ValueError as error:
        raise SymbolError(str(error)) from None
    kept = io.BytesIO()
    image.save(kept, format="PNG")
    return kept.getvalue(), features, hashlib.sha256(data).hexdigest()


def add_symbol(
    tx: Transaction,
    bank_name: str,
    images: list[bytes],
    label: str,
    actor: str,
    *,
    labels: list[str] | None = None,
    source: str | None = None,
    sensitivity: float = DEFAULT_SENSITIVITY,
    platform: str | None = None,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> SymbolRow:
    """Register a symbol from its reference images; images given for a label the bank has already become more
    references of that symbol (a removed one comes back). All or nothing: one bad image adds none."""
    bank = symbol_bank(tx, bank_name, platform, write=True)
    if not images:
        raise SymbolError("a symbol needs at least one reference image")
    valid_text("the label", label, _MAX_LABEL)
    if not label.strip():
        raise SymbolError("a symbol needs a label")
    for extra in labels or []:
        valid_text("a label", extra, _MAX_LABEL)
    if source is not None:
        valid_text("the source", source, _MAX_SOURCE)
    if isinstance(sensitivity, bool) or not isinstance(sensitivity, int | float) or not 0 <= sensitivity <= 1:
        raise SymbolError(f"sensitivity {sensitivity!r} is not a number between 0 and 1")
    references = [reference_of(data, max_pixels) for data in images]
    now = utcnow()
    symbol = tx.symbols.by_label(bank.id, label)
    if symbol is None:
        symbol = tx.symbols.add(bank.id, label, sorted(set(labels or [])), source, float(sensitivity), actor, now)
    elif symbol.state == "removed":
        tx.symbols.set_state(symbol, "active", now)
    known = {ref.sha256 for ref in tx.symbols.references([symbol.id]).get(symbol.id, [])}
    for png, features, sha256 in references:
        if sha256 not in known:
            tx.symbols.add_reference(symbol, png, features, sha256, now)
            known.add(sha256)
    tx.audit.append(
        action="symbol.add",
        subject=symbol_subject(symbol.id),
        actor=actor,
        payload={"bank": bank_subject(bank), "label": label, "references": len(images), "source": source},
    )
    return symbol


def symbol_subject(symbol_id: int) -> str:
    return f"symbol:{symbol_id}"


def _symbol(tx: Transaction, symbol_id: int, platform: str | None, write: bool) -> SymbolRow:
    """The symbol, if `platform` may see (and change, with `write`) its bank; otherwise as if it did not exist."""
    symbol = tx.symbols.get(symbol_id)
    if symbol is None:
        raise SymbolError(f"no symbol {symbol_id}")
    if platform is not None:
        bank = tx.banks.by_id(symbol.bank_id)
        if not applies_to(bank.owner, tx.banks.subscribers_of(bank.id), platform):
            raise SymbolError(f"no symbol {symbol_id}")
        if write and bank.owner != platform:
            raise ReadOnlyBank(f"symbol {symbol_id} is in bank {bank.name!r}, which this platform can use, not change")
    return symbol


def set_symbol_state(
    tx: Transaction, symbol_id: int, state: str, actor: str, reason: str = "", platform: str | None = None
) -> SymbolRow:
    """Remove, quarantine or restore a symbol (audited)."""
    if state not in SYMBOL_STATES:
        raise SymbolError(f"a symbol's state is one of {', '.join(SYMBOL_STATES)}")
    valid_text("the reason", reason)
    symbol = _symbol(tx, symbol_id, platform, write=True)
    tx.symbols.set_state(symbol, state, utcnow())
    tx.audit.append(
        action=f"symbol.{state}", subject=symbol_subject(symbol_id), actor=actor, payload={"reason": reason}
    )
    return symbol


def symbols_of(tx: Transaction, bank_name: str, platform: str | None = None) -> list[SymbolRow]:
    """The bank's active and quarantined symbols, oldest first."""
    return tx.symbols.of_bank(symbol_bank(tx, bank_name, platform).id)


def precision(confirmed: int, disputed: int) -> float | None:
    """The share of reviewed matches moderators confirmed; None before any was reviewed."""
    reviewed = confirmed + disputed
    return round(confirmed / reviewed, 4) if reviewed else None


def record_opinion(tx: Transaction, match_id: int, opinion: str, actor: str, note: str = "") -> SymbolMatchRow:
    """A moderator confirms or disputes a symbol match (audited); it counts toward the symbol's precision."""
    if opinion not in ("confirm", "dispute"):
        raise SymbolError("an opinion on a match is 'confirm' or 'dispute'")
    valid_text("the note", note)
    match = tx.symbols.match(match_id)
    if match is None:
        raise SymbolError(f"no symbol match {match_id}")
    tx.symbols.set_opinion(match, opinion, actor, utcnow())
    tx.audit.append(
        action=f"symbol.match.{opinion}",
        subject=symbol_subject(match.symbol_id),
        actor=actor,
        payload={"match": match_id, "item": f"{match.platform}/{match.item_id}", "note": note},
    )
    return match
