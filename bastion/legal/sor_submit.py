"""`bastion sor submit`: sending statements of reasons to the DSA Transparency Database (Art 24(5): "without undue
delay", without personal data), so that none is lost and none is sent twice.

Each statement's state is stored (`store.statements`). Before a batch is sent its statements are marked `sending`
and committed; the answer then moves them on. A timeout leaves it unknown whether they arrived, so each one's puid
(the database's idempotency key, brief §3.1) is looked up before anything is sent again; a run that was killed
mid-call leaves `sending` statements, which the next run looks up first. A 429 is waited out for its Retry-After
(up to a limit); a refused batch (422, all or none) is split: a statement the database already holds (a duplicate
puid) counts as submitted, one it finds invalid is `rejected` with the reason, the others go again.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bastion.core import utcnow
from bastion.legal.regimes import RegimeError, load_regime
from bastion.legal.sor_validator import validate
from bastion.legal.tdb_client import TdbAnswer, TdbUnreachable, TransparencyDatabase
from bastion.settings import Settings
from bastion.store.db import Database
from bastion.store.statements import PENDING, REJECTED, SENDING, SUBMITTED

DEFAULT_WAIT = 1.0  # seconds, when a 429 names no Retry-After


class SubmitError(RuntimeError):
    """A run that cannot go on (a refused token, the database failing): what was not sent waits for the next."""


@dataclass
class SubmitReport:
    submitted: int = 0  # stored by this run's calls
    already_there: int = 0  # found by puid after a timeout, or refused as duplicates: stored by an earlier call
    rejected: int = 0
    batches: int = 0
    rate_limited: int = 0
    timeouts: int = 0
    waited: float = 0.0  # seconds spent waiting out 429s


@dataclass
class Submitter:
    db: Database
    api: TransparencyDatabase
    settings: Settings
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], datetime] = utcnow
    report: SubmitReport | None = None

    def run(self, limit: int | None = None) -> SubmitReport:
        """Reconcile what an earlier run left in flight, then send pending statements batch by batch."""
        self.report = SubmitReport()
        with self.db.snapshot() as tx:
            in_flight = [s.puid for s in tx.statements.in_state(SENDING, 100_000)]
        self._reconcile(in_flight)
        sent = 0
        failures = 0
        while limit is None or sent < limit:
            batch = self._next_batch(self.settings.sor_batch_size if limit is None else min(limit - sent, 100))
            if not batch:
                break
            sent += len(batch)
            if self._send(batch):
                failures = 0
                continue
            failures += 1
            if failures >= self.settings.sor_max_attempts:
                raise SubmitError(f"no answer from the Transparency Database after {failures} tries; run again later")
        return self.report

    def _next_batch(self, size: int) -> dict[str, dict[str, Any]]:
        """The next pending statements, marked `sending` and committed before they leave; puid -> record."""
        now = self.clock()
        with self.db.transaction() as tx:
            rows = tx.statements.unsent(size, now, hold_undisclosed=_holds_undisclosed(self.settings))
            invalid = {r.id: validate(r.record) for r in rows}
            bad = [r for r in rows if invalid[r.id]]
            for row in bad:  # never sent as it is: the database would refuse it
                tx.statements.mark([row.id], REJECTED, now, "; ".join(invalid[row.id]))
            good = [r for r in rows if not invalid[r.id]]
            tx.statements.mark([r.id for r in good], SENDING, now)
            return {r.puid: dict(r.record) for r in good}

    def _send(self, batch: dict[str, dict[str, Any]]) -> bool:
        """One batch until the database answers it; False when it could not be sent this time."""
        assert self.report is not None
        puids = list(batch)
        for _ in range(self.settings.sor_max_attempts):
            try:
                answer = self.api.submit(list(batch.values()))
            except TdbUnreachable:
                self.report.timeouts += 1
                self._reconcile(puids)  # stored ones become submitted; the rest pending again
                return False
            if answer.status == 429:
                self.report.rate_limited += 1
                wait = answer.retry_after if answer.retry_after is not None else DEFAULT_WAIT
                if wait > self.settings.sor_max_retry_after_seconds:
                    self._set(puids, PENDING, "rate limited")
                    raise SubmitError(f"the Transparency Database asks to wait {wait:.0f} s; run again later")
                self.report.waited += wait
                self.sleep(wait)
                continue
            self._answered(puids, answer)
            return True
        self._set(puids, PENDING, "rate limited")
        return False

    def _answered(self, puids: list[str], answer: TdbAnswer) -> None:
        assert self.report is not None
        self.report.batches += 1
        if answer.status == 201:
            stored = {s.get("puid"): s.get("uuid") for s in answer.body.get("statements") or [] if isinstance(s, dict)}
            self._set(puids, SUBMITTED, None, stored)
            self.report.submitted += len(puids)
            return
        if answer.status == 422:
            self._refused(puids, answer.body.get("errors") or {})
            return
        self._set(puids, PENDING, f"HTTP {answer.status}")
        if answer.status in (401, 403):
            raise SubmitError("the Transparency Database refused the token (BASTION_SOR_API_TOKEN)")
        raise SubmitError(f"the Transparency Database answered HTTP {answer.status}; run again later")

    def _refused(self, puids: list[str], errors: dict[str, Any]) -> None:
        """A 422 stores none of the batch: duplicates were stored before, invalid ones are rejected, the rest wait."""
        assert self.report is not None
        duplicate: list[str] = []
        rejected: dict[str, str] = {}
        for index, puid in enumerate(puids):
            problems = errors.get(f"statement_{index}")
            if not problems and len(puids) == 1 and "puid" in errors:
                problems = errors  # the single-statement form of the answer
            if not problems:
                continue
            if _only_duplicate(problems):
                duplicate.append(puid)
            else:
                rejected[puid] = json.dumps(problems, sort_keys=True)[:2000]
        self._set(duplicate, SUBMITTED, None)
        for puid, why in rejected.items():
            self._set([puid], REJECTED, why)
        self._set([p for p in puids if p not in rejected and p not in duplicate], PENDING, None)
        self.report.already_there += len(duplicate)
        self.report.rejected += len(rejected)

    def _reconcile(self, puids: list[str]) -> None:
        """Ask by puid whether each in-flight statement arrived: arrived ones are submitted, the rest pending."""
        assert self.report is not None
        arrived: list[str] = []
        missing: list[str] = []
        for puid in puids:
            # Still unknown when the lookup fails: it stays `sending` and is asked about on the next run.
            with contextlib.suppress(TdbUnreachable, RuntimeError):
                (arrived if self.api.exists(puid) else missing).append(puid)
        self._set(arrived, SUBMITTED, None)
        self._set(missing, PENDING, None)
        self.report.already_there += len(arrived)

    def _set(self, puids: list[str], state: str, error: str | None, uuids: dict[Any, Any] | None = None) -> None:
        if not puids:
            return
        now = self.clock()
        with self.db.transaction() as tx:
            rows = [tx.statements.by_puid(p) for p in puids]
            tx.statements.mark([r.id for r in rows if r is not None], state, now, error)
            for puid in puids:
                if uuids and uuids.get(puid):
                    tx.statements.record_uuid(puid, str(uuids[puid]))
            if state in (SUBMITTED, REJECTED):
                tx.audit.append(
                    action=f"statement.{state}",
                    subject="transparency-database",
                    actor="system",
                    payload={"puids": puids, "error": error},
                    at=now,
                )


def _only_duplicate(problems: Any) -> bool:
    """Whether a statement's errors say only that its puid is already stored ("not unique within this platform")."""
    if not isinstance(problems, dict) or set(problems) - {"puid", "existing"}:
        return False
    return any("unique" in str(message) for message in problems.get("puid") or [])


def _holds_undisclosed(settings: Settings) -> bool:
    """Whether nothing public goes out while a non-disclosure decision runs (the brief's inference, unconfirmed:
    the eu-tco regime file's `hold_public_statements`)."""
    try:
        return bool(load_regime("eu-tco", settings.regimes_dir).disclosure.get("hold_public_statements", True))
    except RegimeError:
        return True


def submission_exempt(settings: Settings) -> bool:
    """Micro and small platforms owe no submission (DSA Art 19(1)); the eu-dsa regime file names the sizes."""
    try:
        rules = load_regime("eu-dsa", settings.regimes_dir).duties
    except RegimeError:
        return False
    duty = next((r for r in rules if r.name == "submit_to_transparency_database"), None)
    return duty is not None and settings.enterprise_size in duty.exempt_for
