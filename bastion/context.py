"""What every part of Bastion is built from: settings and the resources they share.

One `AppContext` per process holds the database, the bank index and the text
model, so the API, `bastion scan`, workers and every detector use the same
ones: nothing opens an engine, migrates or loads a model on its own. Detectors
and extractors receive the context in `from_context` and take what they need.

Two ways to get one:
- `AppContext.open(settings)`: the database is created and migrated; for
  anything that records (serve, scan, workers, the demo).
- `AppContext.read_only(settings)`: writes nothing and creates nothing; an
  existing database lends its banks to the hash detector, a missing one means
  no banks. For `bastion eval` and `bastion scan --dry-run`.
"""

from __future__ import annotations

import gc
from dataclasses import dataclass, field
from pathlib import Path

from bastion.banks.matcher import BankMatcher
from bastion.media.images import DecodeBudget
from bastion.settings import Settings
from bastion.store.db import Database
from bastion.symbols.index import SymbolIndex
from bastion.text.model import TextModel
from bastion.text.serving import ServingModels


@dataclass
class AppContext:
    settings: Settings
    db: Database | None
    writable: bool = False
    _matcher: BankMatcher | None = field(default=None, init=False, repr=False)
    _models: ServingModels | None = field(default=None, init=False, repr=False)
    _symbols: SymbolIndex | None = field(default=None, init=False, repr=False)
    _decode_budget: DecodeBudget | None = field(default=None, init=False, repr=False)

    @classmethod
    def open(cls, settings: Settings, db: Database | None = None) -> AppContext:
        db = db or Database.from_settings(settings)
        db.migrate()
        return cls(settings, db, writable=True)

    @classmethod
    def read_only(cls, settings: Settings) -> AppContext:
        return cls(settings, _existing_database(settings), writable=False)

    def bank_matcher(self) -> BankMatcher | None:
        """The one in-memory bank index of this process (built on first use); None without a database."""
        if self.db is None:
            return None
        if self._matcher is None:
            s = self.settings
            self._matcher = BankMatcher(
                self.db,
                s.pdq_threshold,
                s.pdq_quality_floor,
                s.bank_refresh_seconds,
                s.vpdq_query_match_percent,
                s.vpdq_entry_match_percent,
            )
        return self._matcher

    def symbol_index(self) -> SymbolIndex | None:
        """The one in-memory index of symbol features of this process (loaded on first use); None without a database."""
        if self.db is None:
            return None
        if self._symbols is None:
            self._symbols = SymbolIndex(self.db, self.settings.bank_refresh_seconds)
        return self._symbols

    def text_model(self) -> TextModel:
        """The live text model of this process (loaded on first use, and again when an admin promotes another):
        the detector and `eval`'s lines share it."""
        return self.text_models().live()

    def decode_budget(self) -> DecodeBudget:
        """The pixels this process decodes at once, shared by hashing and OCR (`image_decode_budget_pixels`)."""
        if self._decode_budget is None:
            self._decode_budget = DecodeBudget(self.settings.image_decode_budget_pixels)
        return self._decode_budget

    def text_models(self) -> ServingModels:
        """The live model and the one in shadow beside it (`bastion.text.serving`)."""
        if self._models is None:
            s = self.settings
            self._models = ServingModels(
                s.text_model_dir, self.db, s.model_refresh_seconds, encoder=s.deep_tier_encoder
            )
        return self._models


def _existing_database(settings: Settings) -> Database | None:
    """The configured database if it is already there; never creates a file or a directory."""
    if settings.database_url:
        return Database.from_url(settings.database_url)
    path = Path(settings.data_dir) / "bastion.db"
    return Database.from_url(settings.resolved_database_url) if path.is_file() else None


def settle_after_warm_up() -> None:
    """Take what a warmed process holds (models, banks, the app) out of the garbage collector's view: it lives
    as long as a serving process, and full collections walking it paused a worker about 100 ms now and then
    (`/v1/check` p99 at 1,000 requests/s: 156-189 ms before, 43-52 ms after; docs/benchmarks.md). Only for a
    process that serves until it exits: elsewhere what was frozen would never be freed."""
    gc.collect()
    gc.freeze()
