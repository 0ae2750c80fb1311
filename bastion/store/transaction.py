"""One unit of work: the repositories of every domain, sharing one database transaction.

Code outside `bastion/store/` never sees SQLAlchemy. It asks the database for a
transaction (`db.transaction()` to write, `db.snapshot()` to read) and calls
the repository named for the domain it works on:

    with db.transaction() as tx:
        case = tx.cases.claim(case_id, user, now)
        tx.audit.append(action="case.claim", subject=f"case:{case.id}", actor=user.username)

Everything done through one `Transaction` commits together or not at all.
Each repository is imported when first used, so a process that never touches
banks never loads the bank tables' code.
"""

from __future__ import annotations

from functools import cached_property
from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bastion.store.actors import ActorRepository
    from bastion.store.audit import AuditRepository
    from bastion.store.authorities import AuthorityRepository
    from bastion.store.banks import BankRepository
    from bastion.store.cases import CaseRepository
    from bastion.store.conduct import ConductRepository
    from bastion.store.dashboard import DashboardRepository
    from bastion.store.holds import HoldRepository
    from bastion.store.items import ItemRepository
    from bastion.store.keys import KeyRepository
    from bastion.store.learning import LearningRepository
    from bastion.store.notices import NoticeRepository
    from bastion.store.orders import OrderRepository
    from bastion.store.outbox import OutboxRepository
    from bastion.store.reports import ReportRepository
    from bastion.store.rule_stats import RuleStatsRepository
    from bastion.store.statements import StatementRepository
    from bastion.store.stream import StreamReceiptRepository
    from bastion.store.symbols import SymbolRepository
    from bastion.store.text_models import TextModelRepository
    from bastion.store.threats import ThreatRepository
    from bastion.store.transparency import TransparencyRepository
    from bastion.store.users import UserRepository


class Transaction:
    def __init__(self, session: Session) -> None:
        self.session = session  # for repositories only; nothing outside bastion/store/ uses it

    def _repository(self, module: str, name: str) -> Any:
        return getattr(import_module(f"bastion.store.{module}"), name)(self.session)

    @cached_property
    def audit(self) -> AuditRepository:
        return self._repository("audit", "AuditRepository")

    @cached_property
    def items(self) -> ItemRepository:
        return self._repository("items", "ItemRepository")

    @cached_property
    def keys(self) -> KeyRepository:
        return self._repository("keys", "KeyRepository")

    @cached_property
    def rules(self) -> RuleStatsRepository:
        return self._repository("rule_stats", "RuleStatsRepository")

    @cached_property
    def banks(self) -> BankRepository:
        return self._repository("banks", "BankRepository")

    @cached_property
    def cases(self) -> CaseRepository:
        return self._repository("cases", "CaseRepository")

    @cached_property
    def reports(self) -> ReportRepository:
        return self._repository("reports", "ReportRepository")

    @cached_property
    def users(self) -> UserRepository:
        return self._repository("users", "UserRepository")

    @cached_property
    def outbox(self) -> OutboxRepository:
        return self._repository("outbox", "OutboxRepository")

    @cached_property
    def dashboard(self) -> DashboardRepository:
        return self._repository("dashboard", "DashboardRepository")

    @cached_property
    def notices(self) -> NoticeRepository:
        return self._repository("notices", "NoticeRepository")

    @cached_property
    def threats(self) -> ThreatRepository:
        return self._repository("threats", "ThreatRepository")

    @cached_property
    def transparency(self) -> TransparencyRepository:
        return self._repository("transparency", "TransparencyRepository")

    @cached_property
    def authorities(self) -> AuthorityRepository:
        return self._repository("authorities", "AuthorityRepository")

    @cached_property
    def orders(self) -> OrderRepository:
        return self._repository("orders", "OrderRepository")

    @cached_property
    def holds(self) -> HoldRepository:
        return self._repository("holds", "HoldRepository")

    @cached_property
    def learning(self) -> LearningRepository:
        return self._repository("learning", "LearningRepository")

    @cached_property
    def text_models(self) -> TextModelRepository:
        return self._repository("text_models", "TextModelRepository")

    @cached_property
    def statements(self) -> StatementRepository:
        return self._repository("statements", "StatementRepository")

    @cached_property
    def actors(self) -> ActorRepository:
        return self._repository("actors", "ActorRepository")

    @cached_property
    def conduct(self) -> ConductRepository:
        return self._repository("conduct", "ConductRepository")

    @cached_property
    def symbols(self) -> SymbolRepository:
        return self._repository("symbols", "SymbolRepository")

    @cached_property
    def stream_receipts(self) -> StreamReceiptRepository:
        return self._repository("stream", "StreamReceiptRepository")
