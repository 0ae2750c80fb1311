"""Items and their verdicts: what the pipeline decided, written with their cases and audit records.

Writes are batched (one upsert statement per table per batch, one read of the
audit chain head) because every checked item is written: the write path is
the throughput limit of the whole service.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.schema import Table

from bastion.core import Action, CaseState, Item, Verdict
from bastion.store.audit import AuditEntry, append_audit_many, canonical_json
from bastion.store.base import SerialisedJSON, execute_core
from bastion.store.dialect import name_of, upsert_insert
from bastion.store.models.core import CaseRow, ItemRow, VerdictRow

_ITEMS: Table = ItemRow.__table__  # type: ignore[assignment]
_VERDICTS: Table = VerdictRow.__table__  # type: ignore[assignment]
_CASES: Table = CaseRow.__table__  # type: ignore[assignment]


def item_subject(platform: str, item_id: str) -> str:
    """An item's audit subject: `item:<platform>/<id>`, since an id is only unique within its platform."""
    return f"item:{platform}/{item_id}"


@dataclass(frozen=True)
class CaseRequest:
    platform: str
    item_id: str
    priority: int
    categories: list[str]
    source: str
    deadline: datetime | None = None


class ItemRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def record_checked(
        self, checked: Sequence[tuple[Item, Verdict]], platform: str, now: datetime, source: str = "detection"
    ) -> None:
        """Store items and verdicts (re-checks replace), open cases (from `source`), append audit records."""
        write_checked(self._session, checked, platform, now, source)

    def open_case(self, request: CaseRequest, now: datetime) -> CaseRow:
        """Open a case for an item, or raise the priority of its live one (idempotent)."""
        return open_case(self._session, request, now)

    def get(self, platform: str, item_id: str) -> ItemRow | None:
        """The platform's item of that id, or None when that platform has not sent it."""
        return self._session.get(ItemRow, {"platform": platform, "id": item_id})

    def verdict_body(self, platform: str, item_id: str) -> dict[str, Any] | None:
        """The stored verdict of the platform's item as JSON, or None when Bastion has not checked it."""
        body: dict[str, Any] | None = self._session.scalar(
            select(VerdictRow.body).where(VerdictRow.platform == platform, VerdictRow.item_id == item_id)
        )
        return body

    def history(self, since: datetime, until: datetime | None = None) -> Iterator[tuple[ItemRow, dict[str, Any], str]]:
        """Every item decided in [since, until) with its verdict body and action, oldest first, streamed."""
        query = (
            select(ItemRow, VerdictRow.body, VerdictRow.action)
            .join(VerdictRow, (VerdictRow.platform == ItemRow.platform) & (VerdictRow.item_id == ItemRow.id))
            .where(VerdictRow.decided_at >= since)
            .order_by(VerdictRow.decided_at, ItemRow.platform, ItemRow.id)
            .execution_options(yield_per=1000)
        )
        if until is not None:
            query = query.where(VerdictRow.decided_at < until)
        yield from self._session.execute(query)


def write_checked(
    session: Session, checked: Sequence[tuple[Item, Verdict]], platform: str, now: datetime, source: str = "detection"
) -> None:
    """Store items and verdicts (re-checks replace), open cases, append audit records."""
    bodies = [_Body.of(verdict) for _, verdict in checked]
    latest = {item.id: (item, verdict, body) for (item, verdict), body in zip(checked, bodies, strict=True)}
    _upsert(session, _ITEMS, ["platform", "id"], [_item_values(i, v, platform, now) for i, v, _ in latest.values()])
    verdicts = [_verdict_values(v, body.json, platform, now) for _, v, body in latest.values()]
    _upsert(session, _VERDICTS, ["platform", "item_id"], verdicts)
    actor = f"platform:{platform}"
    audit = [
        AuditEntry(
            "verdict", item_subject(platform, item.id), actor, body.view, text_keys=True, canonical=body.view_json
        )
        for (item, _), body in zip(checked, bodies, strict=True)
    ]
    requests = [
        CaseRequest(platform, item.id, verdict.priority, [c.value for c in verdict.categories], source)
        for item, verdict, _ in latest.values()
        if verdict.action is not Action.ALLOW
    ]
    audit.extend(_open_cases(session, requests, now))
    append_audit_many(session, audit, now)


def open_case(session: Session, request: CaseRequest, now: datetime) -> CaseRow:
    """Open a case for an item, or raise the priority of its live one (idempotent)."""
    append_audit_many(session, _open_cases(session, [request], now), now)
    case = session.scalars(
        select(CaseRow).where(CaseRow.platform == request.platform, CaseRow.item_id == request.item_id)
    ).one()
    return case


def _open_cases(session: Session, requests: list[CaseRequest], now: datetime) -> list[AuditEntry]:
    """Open the requested items' cases (one statement), and raise the live ones the insert found there."""
    if not requests:
        return []
    rows = [_case_values(request, now) for request in requests]
    opened = {(row.platform, row.item_id): row.id for row in execute_core(session, _opening(name_of(session)), rows)}
    _raise_cases(session, [r for r in requests if (r.platform, r.item_id) not in opened])
    return [
        AuditEntry(
            "case.open",
            item_subject(request.platform, request.item_id),
            "system",
            {
                "case": opened[(request.platform, request.item_id)],
                "source": request.source,
                "priority": request.priority,
            },
            text_keys=True,
        )
        for request in requests
        if (request.platform, request.item_id) in opened
    ]


def _case_values(request: CaseRequest, now: datetime) -> dict[str, Any]:
    return {
        "platform": request.platform,
        "item_id": request.item_id,
        "state": CaseState.OPEN.value,
        "priority": request.priority,
        "categories": sorted(request.categories),
        "source": request.source,
        "opened_at": now,
        "deadline": request.deadline,
        "updated_at": now,
    }


@cache
def _opening(dialect: str) -> Any:
    # An item's case is unique: the insert skips the items that have one and names the cases it opened, so a
    # new item (nearly every one) costs no lookup. Built once per dialect, like the upserts.
    statement = upsert_insert(dialect)(_CASES).on_conflict_do_nothing(index_elements=["platform", "item_id"])
    return statement.returning(_CASES.c.id, _CASES.c.platform, _CASES.c.item_id)


def _raise_cases(session: Session, requests: list[CaseRequest]) -> None:
    """Raise the priority, categories and deadline of cases that already exist, through the ORM: a case in
    this session keeps its state current, and its version counter moves as with every other change."""
    if not requests:
        return
    wanted = {"platforms": list({r.platform for r in requests}), "ids": list({r.item_id for r in requests})}
    existing = {(case.platform, case.item_id): case for case in session.scalars(_CASES_OF, wanted)}
    for request in requests:
        case = existing.get((request.platform, request.item_id))
        if case is not None:  # None: deleted (its item purged) since the insert found it
            _raise_case(case, request)
    session.flush()


# The cases of the requested items: ids narrow the search, the platform pins each one down. Built once
# (with expanding parameters): building it took as long as running it.
_CASES_OF = select(CaseRow).where(
    CaseRow.platform.in_(bindparam("platforms", expanding=True)), CaseRow.item_id.in_(bindparam("ids", expanding=True))
)


def _raise_case(case: CaseRow, request: CaseRequest) -> None:
    if request.priority > case.priority:
        case.priority = request.priority
    merged = sorted(set(case.categories) | set(request.categories))
    if merged != case.categories:
        case.categories = merged
    if request.deadline and (case.deadline is None or request.deadline < case.deadline):
        case.deadline = request.deadline


def _upsert(session: Session, table: Table, keys: list[str], rows: list[dict[str, Any]]) -> None:
    if rows:
        execute_core(session, _upsert_statement(name_of(session), table, tuple(keys)), rows)


@cache
def _upsert_statement(dialect: str, table: Table, keys: tuple[str, ...]) -> Any:
    # Built once: constructing `excluded` proxies costs more than the insert itself.
    statement = upsert_insert(dialect)(table)
    updates = {c.name: statement.excluded[c.name] for c in table.columns if c.name not in keys}
    return statement.on_conflict_do_update(index_elements=list(keys), set_=updates)


def _item_values(item: Item, verdict: Verdict, platform: str, now: datetime) -> dict[str, Any]:
    return {
        "id": item.id,
        "kind": item.kind.value,
        "text": item.text,
        "author": item.author,
        "surface": item.surface,
        "lang": item.lang or verdict.lang,
        "created_at": item.created_at,
        "received_at": now,
        "media": _media_facts(item, verdict),
        "metadata": item.metadata,
        "platform": platform,
    }


def _verdict_values(verdict: Verdict, body: SerialisedJSON, platform: str, now: datetime) -> dict[str, Any]:
    return {
        "platform": platform,
        "item_id": verdict.id,
        "action": verdict.action.value,
        "score": verdict.score,
        "priority": verdict.priority,
        "categories": [c.value for c in verdict.categories],
        "body": body,
        "policy_version": verdict.policy_version,
        "decided_at": now,
    }


def _media_facts(item: Item, verdict: Verdict) -> dict[str, Any] | None:
    """What is kept of media: its type, size and hashes, never the bytes themselves."""
    if item.media is None:
        return None
    data = item.media.data()
    hashes: dict[str, Any] = {}
    for signal in verdict.signals:
        hashes.update(signal.evidence.get("hashes") or {})
    return {
        "content_type": item.media.content_type,
        "size": len(data) if data else None,
        "url": item.media.url,
        "hashes": hashes,
    }


_AUDITED = (
    "action",
    "score",
    "categories",
    "priority",
    "rules",
    "shadow_rules",
    "rule_errors",
    "policy_version",
    "signals",
)


@dataclass(frozen=True)
class _Body:
    """A verdict serialised once for both places it goes: the audited view (everything that explains it) in
    canonical JSON for the audit chain, and the whole verdict for its row, written as that view's text with
    the few fields the audit leaves out (id, language, time) added: one JSON object, its keys in another order.
    """

    view: dict[str, Any]
    view_json: str
    json: SerialisedJSON

    @classmethod
    def of(cls, verdict: Verdict) -> _Body:
        body = verdict.model_dump(mode="json")
        view = {key: body[key] for key in _AUDITED}
        view_json = canonical_json(view)
        rest = canonical_json({key: value for key, value in body.items() if key not in view})
        whole = view_json if rest == "{}" else f"{view_json[:-1]},{rest[1:]}"
        return cls(view, view_json, SerialisedJSON(whole))
