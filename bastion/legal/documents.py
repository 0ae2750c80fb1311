"""The answers a platform sends the issuing authority, as documents a legal officer downloads and sends:
Annex II (feedback on removal, with the time of removal: TCO Art 3(6)) and Annex III (the order cannot be
executed, or needs clarification: Art 3(7), 3(8)). Plain text, HTML or JSON from the same fields.

The brief could not confirm the annexes' field-level layout against EUR-Lex (its §7.2), so the fields here
carry what the Articles require; each document says so.
"""

from __future__ import annotations

import html
import json
from typing import Any

from bastion.legal.orders import OrderRefused
from bastion.store.models.orders import OrderRow
from bastion.store.transaction import Transaction

FORMATS = {"txt": "text/plain; charset=utf-8", "html": "text/html; charset=utf-8", "json": "application/json"}
_CAVEAT = "Field layout from TCO Art 3(6)-(8); check it against the annex in Regulation (EU) 2021/784 before sending."
_REASONS = {
    "paused_impossibility": "force majeure or de facto impossibility not attributable to the provider (Art 3(7))",
    "paused_clarification": "manifest errors or insufficient information in the order (Art 3(8))",
}


def annex_ii(tx: Transaction, order: OrderRow) -> dict[str, Any]:
    """Feedback on removal or disabling (Annex II, Art 3(6)): only once access was disabled."""
    if order.clock != "done" or order.acted_at is None:
        raise OrderRefused(409, "not_acted_on", "the Annex II feedback states the time of removal: act first")
    targets = tx.orders.targets(order.id)
    holds = tx.holds.of_order(order.id)
    return {
        "document": "Annex II: feedback following removal of or disabling access to terrorist content",
        "basis": "Regulation (EU) 2021/784, Art. 3(6)",
        **_heading(order),
        "action": "removed" if order.action == "remove" else "access disabled in all Member States",
        "time_of_action": order.acted_at.isoformat(),
        "items": [
            {"locator": t.locator, "item": t.item_id, "found_by": t.found_by, "at": _iso(t.disabled_at)}
            for t in targets
            if t.item_id
        ],
        "not_located": [t.locator for t in targets if not t.item_id],
        "preserved_until": _iso(max((h.keep_until for h in holds), default=None)),
        "note": _CAVEAT,
    }


def annex_iii(tx: Transaction, order: OrderRow) -> dict[str, Any]:
    """The order cannot be executed or needs clarification (Annex III, Art 3(7)-(8)): from its latest pause."""
    events = tx.orders.clock_events(order.id)
    pause = next((e for e in reversed(events) if e.state in _REASONS), None)
    if pause is None:
        raise OrderRefused(409, "not_paused", "an Annex III answer follows a pause for impossibility or clarification")
    return {
        "document": "Annex III: information on the impossibility to execute the removal order",
        "basis": "Regulation (EU) 2021/784, Art. 3(7) and 3(8)",
        **_heading(order),
        "reason": _REASONS[pause.state],
        "explanation": pause.reason,
        "since": pause.at.isoformat(),
        "clock": "the one-hour deadline runs again once the ground has ceased or the clarification is received",
        "note": _CAVEAT,
    }


def render(document: dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(document, indent=2, ensure_ascii=False)
    lines = [(key.replace("_", " "), _text(value)) for key, value in document.items()]
    if fmt == "txt":
        return "\n".join(f"{key}: {value}" for key, value in lines) + "\n"
    rows = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in lines)
    title = html.escape(str(document.get("document", "")))
    return f"<!doctype html><meta charset='utf-8'><title>{title}</title><h1>{title}</h1><table>{rows}</table>\n"


def _heading(order: OrderRow) -> dict[str, Any]:
    return {
        "reference": order.reference,
        "issuing_authority": order.issuing_authority,
        "issuing_member_state": order.issuing_state,
        "issued_at": order.issued_at.isoformat(),
        "received_at": order.received_at.isoformat(),
        "hosting_service_provider": order.platform,
    }


def _text(value: Any) -> str:
    if isinstance(value, list):
        return "; ".join(_text(v) for v in value) or "none"
    if isinstance(value, dict):
        return ", ".join(f"{k} {v}" for k, v in value.items() if v is not None)
    return "none" if value is None else str(value)


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None
