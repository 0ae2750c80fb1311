"""Text models Bastion knows besides the packaged one, and which is live, in shadow, or retired.

At most one model is live and at most one in shadow. With none live, the
packaged model (or `BASTION_TEXT_MODEL_DIR`) serves.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bastion.store.models.learning import TextModelRow

LIVE = "live"
SHADOW = "shadow"


class TextModelRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, version: str) -> TextModelRow | None:
        return self._session.get(TextModelRow, version)

    def add(self, row: TextModelRow) -> TextModelRow:
        self._session.add(row)
        self._session.flush()
        return row

    def in_state(self, state: str) -> TextModelRow | None:
        """The newest model in this state (live and shadow hold one at most)."""
        return self._session.scalar(
            select(TextModelRow).where(TextModelRow.state == state).order_by(TextModelRow.registered_at.desc())
        )

    def all(self) -> list[TextModelRow]:
        return list(self._session.scalars(select(TextModelRow).order_by(TextModelRow.registered_at)))

    def serving(self) -> dict[str, Any]:
        """What a serving process needs to know, in one read: the live and shadow models' versions and paths."""
        rows = self._session.execute(
            select(TextModelRow.state, TextModelRow.version, TextModelRow.path).where(
                TextModelRow.state.in_([LIVE, SHADOW])
            )
        )
        return {state: (version, path) for state, version, path in rows}
