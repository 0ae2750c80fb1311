"""How often each rule fired, per hour: the counts behind rate alerts and the dashboard."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from bastion.store.base import execute_core
from bastion.store.dialect import name_of, upsert_insert
from bastion.store.models.core import RuleFireRow

RuleKey = tuple[str, int, bool]  # name, version, shadow


class RuleStatsRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add_fires(self, hour: datetime, counts: dict[RuleKey, int]) -> None:
        """Add this batch's counts to the hour's (one upsert, safe under concurrent writers)."""
        rows = [
            {"rule": name, "version": version, "hour": hour, "shadow": shadow, "fires": count}
            for (name, version, shadow), count in sorted(counts.items())
        ]
        if rows:
            execute_core(self._session, _adding_fires(name_of(self._session)), rows)

    def fires_in_hour(self, hour: datetime, at_least: int, excluding: str) -> list[tuple[RuleKey, int]]:
        """Rules (but `excluding`) that fired at least `at_least` times in the hour, with their count."""
        rows = self._session.execute(
            select(RuleFireRow.rule, RuleFireRow.version, RuleFireRow.shadow, RuleFireRow.fires).where(
                RuleFireRow.hour == hour, RuleFireRow.rule != excluding, RuleFireRow.fires >= at_least
            )
        ).all()
        return [((row.rule, row.version, row.shadow), row.fires) for row in rows]

    def fires_between(self, key: RuleKey, since: datetime, until: datetime) -> int:
        """A rule's fires over the hours in [since, until)."""
        return self._sum(key, RuleFireRow.hour >= since, RuleFireRow.hour < until)

    def fires_at(self, key: RuleKey, hour: datetime) -> int:
        return self._sum(key, RuleFireRow.hour == hour)

    def _sum(self, key: RuleKey, *where: ColumnElement[bool]) -> int:
        rule, version, shadow = key
        total = self._session.scalar(
            select(func.coalesce(func.sum(RuleFireRow.fires), 0)).where(  # type: ignore[arg-type]
                RuleFireRow.rule == rule, RuleFireRow.version == version, RuleFireRow.shadow == shadow, *where
            )
        )
        return int(total or 0)


@cache
def _adding_fires(dialect: str) -> Any:
    # Built once per dialect: building the `excluded` proxies took 0.1 ms, every batch.
    statement = upsert_insert(dialect)(RuleFireRow)
    return statement.on_conflict_do_update(
        index_elements=["rule", "version", "hour", "shadow"],
        set_={"fires": RuleFireRow.fires + statement.excluded.fires},
    )
