"""Which text models a serving process uses: the live one, and the one in shadow beside it.

An admin promotes, shadows or rolls back a model in the database
(`text_models`); every process looks there at most every
`model_refresh_seconds` and loads what changed, so a promotion reaches every
worker without a restart. With no model live in the database, the configured
directory (`BASTION_TEXT_MODEL_DIR`, by default the packaged model) serves. A
model that cannot be loaded on this host is logged and skipped: the process
keeps serving what it had.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import structlog

from bastion.text.model import TextModel

if TYPE_CHECKING:
    from bastion.store.db import Database
    from bastion.text.embedding import EncoderKind

log = structlog.get_logger(__name__)


@dataclass
class ServingModels:
    default_dir: Path
    db: Database | None
    refresh_seconds: float = 30.0
    clock: Callable[[], float] = time.monotonic
    encoder: EncoderKind = "numpy"  # the deep tier's encoder (Settings.deep_tier_encoder), given to every model loaded
    _loaded: dict[str, TextModel] = field(default_factory=dict, init=False, repr=False)  # by directory
    _states: dict[str, tuple[str, str]] = field(default_factory=dict, init=False, repr=False)
    _checked: float | None = field(default=None, init=False, repr=False)

    def live(self) -> TextModel:
        self._refresh()
        chosen = self._states.get("live")
        model = self._load(chosen[1]) if chosen else None
        return model or self._load_default()

    def shadow(self) -> TextModel | None:
        self._refresh()
        chosen = self._states.get("shadow")
        return self._load(chosen[1]) if chosen else None

    def refresh_now(self) -> None:
        self._checked = None
        self._refresh()

    def _refresh(self) -> None:
        now = self.clock()
        if self.db is None or (self._checked is not None and now - self._checked < self.refresh_seconds):
            return
        self._checked = now
        try:
            with self.db.snapshot() as tx:
                self._states = tx.text_models.serving()
        except Exception as error:  # an old or unmigrated database: the configured model serves
            log.warning("text model registry unreadable", error=str(error))
            self._states = {}

    def _load_default(self) -> TextModel:
        key = str(self.default_dir)
        if key not in self._loaded:
            self._loaded[key] = self._with_encoder(TextModel.load(self.default_dir))
        return self._loaded[key]

    def _load(self, directory: str) -> TextModel | None:
        if directory not in self._loaded:
            try:
                self._loaded[directory] = self._with_encoder(TextModel.load(Path(directory)))
            except (OSError, ValueError, KeyError) as error:
                log.error("text model not loadable here", directory=directory, error=str(error))
                return None
        return self._loaded[directory]

    def _with_encoder(self, model: TextModel) -> TextModel:
        return model if self.encoder == model.encoder else dataclasses.replace(model, encoder=self.encoder)
