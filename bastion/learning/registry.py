"""Registering, shadowing, promoting and rolling back text models: an admin's acts, each audited.

One model is live at most, one in shadow at most. Promoting retires the live
model and remembers it (`replaced`), so a rollback puts it back; with nothing
to put back, the configured model (`BASTION_TEXT_MODEL_DIR`) serves again.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from bastion.store.models.learning import TextModelRow
from bastion.store.text_models import LIVE, SHADOW
from bastion.store.transaction import Transaction
from bastion.text.model import TextModel, named_lines

CANDIDATE, RETIRED, ROLLED_BACK = "candidate", "retired", "rolled_back"
CONFIGURED = "configured"  # what serves with no model live: the configured directory


class RegistryError(ValueError):
    def __init__(self, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.status = status


def register(tx: Transaction, directory: Path, actor: str, now: datetime) -> TextModelRow:
    """Record a trained model directory as a candidate (again: the same row); the model must load."""
    try:
        model = TextModel.load(directory)
    except (OSError, ValueError, KeyError, json.JSONDecodeError) as error:
        raise RegistryError(f"{directory} is not a text model Bastion can load: {error}", 422) from None
    path = str(directory.resolve())
    known = tx.text_models.get(model.version)
    if known is not None:
        if known.path != path:
            raise RegistryError(f"model {model.version} is already registered from {known.path}")
        return known
    row = tx.text_models.add(
        TextModelRow(
            version=model.version,
            path=path,
            state=CANDIDATE,
            card=_card(model),
            registered_by=actor,
            registered_at=now,
        )
    )
    _audit(tx, "model.register", row.version, actor, {"path": path, "card": row.card})
    return row


def start_shadow(tx: Transaction, version: str, actor: str, now: datetime) -> TextModelRow:
    """Run a model in shadow on live traffic (its verdicts stored, never acted on); the one before leaves shadow."""
    row = _known(tx, version)
    if row.state == LIVE:
        raise RegistryError(f"model {version} is live: only another model can run in its shadow")
    previous = tx.text_models.in_state(SHADOW)
    if previous is not None and previous.version != version:
        previous.state = CANDIDATE
    row.state, row.shadow_since = SHADOW, now
    _audit(tx, "model.shadow", version, actor, {"replaced_shadow": previous.version if previous else None})
    return row


def promote(tx: Transaction, version: str, actor: str, now: datetime) -> TextModelRow:
    """Make a model live; the live one retires and is remembered for a rollback."""
    row = _known(tx, version)
    if row.state == LIVE:
        raise RegistryError(f"model {version} is already live")
    live = tx.text_models.in_state(LIVE)
    if live is not None:
        live.state = RETIRED
    row.state, row.promoted_at, row.replaced = LIVE, now, live.version if live else None
    _audit(tx, "model.promote", version, actor, {"replaced": row.replaced or CONFIGURED})
    return row


def rollback(tx: Transaction, actor: str, now: datetime) -> str:
    """Take the live model down and put back the one it replaced; returns the version serving now."""
    live = tx.text_models.in_state(LIVE)
    if live is None:
        raise RegistryError("no promoted model is live: the configured model already serves")
    live.state = ROLLED_BACK
    restored = tx.text_models.get(live.replaced) if live.replaced else None
    if restored is not None:
        restored.state, restored.promoted_at = LIVE, now
    serving = restored.version if restored else CONFIGURED
    _audit(tx, "model.rollback", live.version, actor, {"restored": serving})
    return serving


def _known(tx: Transaction, version: str) -> TextModelRow:
    row = tx.text_models.get(version)
    if row is None:
        raise RegistryError(f"no registered model {version!r} (bastion model register DIR)", 404)
    return row


def _card(model: TextModel) -> dict[str, Any]:
    """What the registry shows of a model: how it was trained and its own figures."""
    metrics = model.metrics
    five_fold: Any = metrics.get("5_fold", {})
    return {
        "rows": metrics.get("rows"),
        "rows_by_source": metrics.get("rows_by_source"),
        "policy_version": metrics.get("policy_version"),
        "mix": metrics.get("mix"),
        "trained_at": metrics.get("trained_at"),
        "five_fold": five_fold.get("cascade") if isinstance(five_fold, dict) else None,
        "lines": {key: round(line, 4) for key, line in named_lines(model.thresholds, model.route).items()},
        "lines_set": metrics.get("lines_set"),  # lines a platform moved after training, when and why
    }


def _audit(tx: Transaction, action: str, version: str, actor: str, payload: dict[str, Any]) -> None:
    tx.audit.append(action=action, subject=f"text-model:{version}", actor=actor, payload=payload)
