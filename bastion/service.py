"""The one door into check-and-record: every item Bastion judges and keeps passes through `Service`.

The API (`POST /v1/check`, `/v1/reports`), `bastion scan` and stream workers
differ only in where items come from; none of them reaches into the pipeline
or the store. For each batch the service:

1. prepares every item (normalise, identify the language, extract OCR text);
   an item that cannot be checked as sent becomes a `Refusal`, the rest go on;
2. runs the detectors over the whole batch and lets the rules decide;
3. keeps the media a reviewer will need, then in ONE transaction stores the
   items and verdicts, opens cases, counts rule fires and bank matches, and
   appends the audit records; all of it is committed, or none of it.

`record=False` (`bastion scan --dry-run`, `bastion eval`) stops after step 2:
nothing is written, and a read-only service never creates a database.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from bastion.actions.outbox import enqueue_verdicts
from bastion.actors.containers import ContainerTexts
from bastion.actors.policy import ConductPolicy, load_conduct_policy
from bastion.actors.records import record_actors, watch_conduct
from bastion.banks.matches import quarantine_overmatching, record_matches
from bastion.context import AppContext
from bastion.core import Action, ContentError, Item, Verdict, utcnow
from bastion.detectors.base import Content
from bastion.learning.sampling import draw_blind_samples
from bastion.learning.shadow import ShadowRows, record_shadow, shadow_verdicts
from bastion.legal.reasons import state_automatic_removals
from bastion.media.preserve import preserve
from bastion.pipeline import Pipeline
from bastion.review.reports import FiledReport, ReportReason, file_report
from bastion.rules import Policy
from bastion.rules.alerts import raise_alerts, record_fires
from bastion.settings import Settings
from bastion.store.db import Database, LockWaitTimedOut
from bastion.store.group_commit import HeavyLane, MicroBatcher
from bastion.store.stream import Delivery, Receipt
from bastion.store.transaction import Transaction
from bastion.symbols.matches import quarantine_overmatching_symbols, record_symbol_matches
from bastion.text.windows import WindowLimits

_ALERT_EVERY = timedelta(minutes=1)
Pace = Callable[[], None] | None  # the heavy lane's pacer, called between the steps of a check
T = TypeVar("T")


@dataclass(frozen=True)
class Refusal:
    """An item that could not be checked as sent (undecodable media, over a limit): nothing was recorded for it."""

    item_id: str
    problem: str


Outcome = Verdict | Refusal


@dataclass(frozen=True)
class ReportFiled:
    """A filed report, the case it joined and the verdict the item stands under."""

    report_id: int
    case_id: int
    priority: int
    reporter_trust: float
    verdict: dict[str, Any]

    @classmethod
    def of(cls, filed: FiledReport, verdict: dict[str, Any]) -> ReportFiled:
        return cls(filed.report.id, filed.case.id, filed.case.priority, round(filed.trust, 3), verdict)


class ReadOnlyService(RuntimeError):
    """A dry-run service was asked to record."""


@dataclass
class Service:
    context: AppContext
    pipeline: Pipeline
    _batcher: MicroBatcher[tuple[Item, str], Verdict] | None = field(default=None, init=False, repr=False)
    _heavy: HeavyLane = field(init=False, repr=False)
    _alerts_checked: datetime | None = field(default=None, init=False, repr=False)
    sample_rng: random.Random = field(default_factory=random.Random, repr=False)  # blind samples; seeded in tests
    # An instance's own (a function as a class default would bind as a method); tests record the pauses.
    _pause: Callable[[float], Awaitable[None]] = field(default_factory=lambda: asyncio.sleep, init=False, repr=False)
    _container_texts: ContainerTexts = field(default_factory=ContainerTexts, init=False, repr=False)

    def __post_init__(self) -> None:
        s = self.settings
        self._heavy = HeavyLane(s.heavy_check_concurrency, s.heavy_check_share, self._ordinary_in_flight)

    @classmethod
    def from_settings(cls, settings: Settings, db: Database | None = None) -> Service:
        """A service that records: the database is created and migrated, the policy in use audited."""
        context = AppContext.open(settings, db)
        service = cls(context, Pipeline.from_context(context))
        try:
            service._record_policy()
        except LockWaitTimedOut:  # a stalled writer holding the audit chain was ended meanwhile: try once more
            service._record_policy()
        return service

    def _record_policy(self) -> None:
        with self.db.transaction() as tx:
            record_policy(tx, self.pipeline.policy)

    @classmethod
    def read_only(cls, settings: Settings) -> Service:
        """A service for dry runs: checks with the banks of an existing database, writes and creates nothing."""
        context = AppContext.read_only(settings)
        return cls(context, Pipeline.from_context(context))

    @property
    def settings(self) -> Settings:
        return self.context.settings

    @property
    def conduct(self) -> ConductPolicy:
        return load_conduct_policy(self.settings.conduct_policy_file.expanduser())

    @property
    def db(self) -> Database:
        if self.context.db is None:
            raise ReadOnlyService("this service has no database (a dry run)")
        return self.context.db

    def check(self, items: Sequence[Item], platform: str = "local", *, record: bool = True) -> list[Outcome]:
        """A verdict or a refusal for every item, in input order; with `record`, all stored in one transaction."""
        now = utcnow()
        done = self._decide([(item, platform) for item in items], now)
        if record:
            checked = [(item, v) for item, v in zip(items, done, strict=True) if isinstance(v, Verdict)]
            self._record(checked, platform, now)
        return done

    def check_deliveries(self, deliveries: Sequence[Delivery]) -> list[Outcome]:
        """Check a batch taken from the stream and record, in ONE transaction, what no earlier batch recorded.

        Delivery is at-least-once: a message delivered again (same platform, item id and
        content digest) gets its verdict again but writes nothing, so there is never a second
        verdict, case, action or audit record. A verdict that is not `allow` also goes to the
        platform through the action outbox (the webhook), written in the same transaction.
        """
        now = utcnow()
        done = self._decide([(d.item, d.platform) for d in deliveries], now)
        checked = {d.receipt: (d, v) for d, v in zip(deliveries, done, strict=True) if isinstance(v, Verdict)}
        entries = [(d.item, v, d.platform) for d, v in checked.values()]
        self._record_entries(entries, now, claim=list(checked))
        return done

    def _decide(self, items: Sequence[tuple[Item, str]], now: datetime, between: Pace = None) -> list[Outcome]:
        """Prepare every (item, platform), set aside the ones refused, and decide the rest in one batch;
        `between` runs after each step (preparing, each detector) for the heavy lane to pace the work."""
        prepared: list[Content] = []
        outcomes: list[Outcome | None] = []
        for item, platform in items:
            try:
                prepared.append(self.pipeline.prepare(item, platform))
                outcomes.append(None)
            except ContentError as error:
                outcomes.append(Refusal(item.id, str(error)))
            if between:
                between()
        verdicts = iter(self.pipeline.decide_many(prepared, now, between=between))
        return [outcome or next(verdicts) for outcome in outcomes]

    async def check_async(self, item: Item, platform: str, size: int = 0) -> Verdict:
        """Check one item and return once its verdict is committed; never on the event loop.

        Ordinary texts join a micro-batch (the requests that arrive together: one pipeline pass, one
        transaction). Media, long texts and large requests (`size`, the bytes that carried the item) take
        milliseconds to seconds each: they are checked on their own in the heavy lane, at most
        `heavy_check_concurrency` at a time, at a lower CPU priority and, while batches are in flight, at
        most `heavy_check_share` of the time, so they never hold up a batch nor starve ordinary traffic.
        Raises ContentError when the item cannot be checked as sent.
        """
        limit = self.settings.heavy_check_chars
        if item.media or len(item.text or "") > limit or size > limit:
            return await self._heavy.run(self._check_heavy, item, platform)
        if self._batcher is None:
            s = self.settings
            self._batcher = MicroBatcher(self._check_batch, s.check_batch_wait_ms / 1000, s.check_batch_max)
        return await self._batcher.submit((item, platform))

    async def yield_to_checks(self) -> None:
        """While checks are in flight, a malformed request's answer waits: one client looping on refusals
        (JSON nested 600 deep, 0.8 ms of CPU each) took a third of the interpreter from the checks."""
        if self._ordinary_in_flight():
            await self._pause(self.settings.malformed_request_pause_ms / 1000)

    def _ordinary_in_flight(self) -> bool:
        return self._batcher is not None and self._batcher.busy

    def _check_heavy(self, item: Item, platform: str, between: Callable[[], None]) -> Verdict:
        outcome = self._check_batch([(item, platform)], between)[0]
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def _check_batch(self, entries: list[tuple[Item, str]], between: Pace = None) -> list[Verdict | Exception]:
        """One pipeline pass and one transaction for the items of several requests (and platforms)."""
        now = utcnow()
        done = self._decide(entries, now, between)
        pairs = zip(entries, done, strict=True)
        checked = [(item, verdict, platform) for (item, platform), verdict in pairs if isinstance(verdict, Verdict)]
        if checked:
            self._record_entries(checked, now)
        return [v if isinstance(v, Verdict) else ContentError(v.problem) for v in done]

    def warm_up(self) -> None:
        """Run fictional items through every detector once, recording nothing, so that the first real request
        does not pay for loading and compiling models (the deep tier's first text took 1.9 s)."""
        items = [
            Item(id="warm-up-1", text="A quiet morning at the harbour market, fresh bread and coffee"),
            Item(id="warm-up-2", text="Brothers, join the fictional Crimson Dawn Brigade and bring your friends"),
            Item(id="warm-up-3", text="Le marché du port ouvre mardi matin", lang="fr"),  # the deep tier alone
        ]
        self.pipeline.decide_many([self.pipeline.prepare(item) for item in items], counted=False)

    def report(self, item: Item, reporter: str, reason: ReportReason, text: str, platform: str) -> ReportFiled:
        """File a user's report on the platform's item; reports on one item share one case.

        Item ids are the platform's own: another platform's item of the same id is never touched.
        An item Bastion has checked keeps its stored content and verdict: the report's
        copy may lack the media, and re-checking it would drop the hash-match evidence.
        An item it has not seen is checked and recorded with the report, in one transaction.
        """
        now = utcnow()

        def file(tx: Transaction) -> FiledReport:
            return file_report(tx, item.id, item.author, reporter, reason, text, platform, now)

        with self.db.transaction() as tx:
            stored = tx.items.verdict_body(platform, item.id)
            if stored is not None:
                return ReportFiled.of(file(tx), stored)
        verdict = self.pipeline.check(item, now, platform)
        filed = self._record([(item, verdict)], platform, now, also=file)
        assert filed is not None
        return ReportFiled.of(filed, verdict.model_dump(mode="json"))

    def _record_entries(
        self, entries: list[tuple[Item, Verdict, str]], now: datetime | None = None, claim: list[Receipt] | None = None
    ) -> None:
        """Record verdicts of several platforms in one transaction; with `claim` (stream receipts, in the
        order of `entries`), only the entries whose receipt no earlier transaction took."""
        now = now or utcnow()
        self._preserve_media([(item, verdict) for item, verdict, _ in entries])
        shadows = self._shadows_by_platform(entries)
        containers = self._containers_by_platform(entries, now)
        with self.db.transaction() as tx:
            if claim is not None:
                fresh = tx.stream_receipts.claim(claim, now)
                entries = [entry for entry, receipt in zip(entries, claim, strict=True) if receipt in fresh]
            by_platform: dict[str, list[tuple[Item, Verdict]]] = {}
            for item, verdict, platform in entries:
                by_platform.setdefault(platform, []).append((item, verdict))
            for platform, checked in by_platform.items():
                tx.items.record_checked(checked, platform, now)
                state_automatic_removals(tx, checked, platform, now)
                self._record_conduct(tx, checked, platform, containers.get(platform, []), now)
                record_matches(tx, checked, platform, now)
                record_symbol_matches(tx, checked, platform, now)
                ids = {item.id for item, _ in checked}
                shadow = [row for row in shadows.get(platform, []) if row[0] in ids]
                self._learn(tx, checked, platform, shadow, now)
                if claim is not None:
                    enqueue_verdicts(tx, checked, platform, now)
            self._after_write(tx, [verdict for _, verdict, _ in entries], now)

    def _shadows_by_platform(self, entries: list[tuple[Item, Verdict, str]]) -> dict[str, ShadowRows]:
        return {platform: self._shadow(checked) for platform, checked in _by_platform(entries).items()}

    def _containers_by_platform(
        self, entries: list[tuple[Item, Verdict, str]], now: datetime
    ) -> dict[str, list[Verdict]]:
        by_platform = _by_platform(entries).items()
        return {platform: self._check_containers(checked, platform, now) for platform, checked in by_platform}

    def _record(
        self,
        checked: Sequence[tuple[Item, Verdict]],
        platform: str,
        now: datetime,
        also: Callable[[Transaction], T] | None = None,
    ) -> T | None:
        """Store items, verdicts, cases and audit records together, or none of them.

        Re-checking an item id replaces its verdict and appends a new audit
        record; it never duplicates an item or a case. `also` runs in the same
        transaction (a report filed with the item it reports).
        """
        self._preserve_media(checked)
        shadow = self._shadow(checked)
        containers = self._check_containers(checked, platform, now)
        with self.db.transaction() as tx:
            tx.items.record_checked(checked, platform, now)
            state_automatic_removals(tx, checked, platform, now)  # DSA Art 17: a rule's removal is explained too
            self._record_conduct(tx, checked, platform, containers, now)
            record_matches(tx, checked, platform, now)
            record_symbol_matches(tx, checked, platform, now)
            self._learn(tx, checked, platform, shadow, now)
            self._after_write(tx, [verdict for _, verdict in checked], now)
            return also(tx) if also else None

    def _check_containers(self, checked: Sequence[tuple[Item, Verdict]], platform: str, now: datetime) -> list[Verdict]:
        """The detectors' verdicts on container names and descriptions not judged before (before the transaction)."""
        verdicts = []
        for container in self._container_texts.unchecked([item for item, _ in checked], platform):
            try:
                verdicts.append(self.pipeline.check(container, now, platform))
            except ContentError:
                continue  # a name the pipeline cannot read is judged through its posts instead
        return verdicts

    def _record_conduct(
        self,
        tx: Transaction,
        checked: Sequence[tuple[Item, Verdict]],
        platform: str,
        containers: list[Verdict],
        now: datetime,
    ) -> None:
        """Actors' records, and the container, respawn and network cases conduct opens, in the items' transaction."""
        changes = record_actors(tx, checked, platform, now)
        watch_conduct(tx, platform, checked, changes, containers, now, self.conduct)

    def _shadow(self, checked: Sequence[tuple[Item, Verdict]]) -> ShadowRows:
        """What the model in shadow says about these items, scored before the transaction (it takes time)."""
        model = self.context.text_models().shadow()
        return shadow_verdicts(model, checked, WindowLimits.of(self.settings)) if model is not None else []

    def _learn(
        self, tx: Transaction, checked: Sequence[tuple[Item, Verdict]], platform: str, shadow: ShadowRows, now: datetime
    ) -> None:
        """The learning loop's share of recording: the shadow model's verdicts, and the blind samples drawn."""
        record_shadow(tx, platform, shadow, now)
        s = self.settings
        draw_blind_samples(tx, checked, platform, s.blind_sample_rate, s.blind_sample_priority, now, self.sample_rng)

    def _after_write(self, tx: Transaction, verdicts: list[Verdict], now: datetime) -> None:
        """Rule fire counts, and now and then the alarms that watch them and bank matches."""
        record_fires(tx, verdicts, now)
        if self._alerts_checked is None or now - self._alerts_checked >= _ALERT_EVERY:
            self._alerts_checked = now
            raise_alerts(tx, now, self.settings.rule_alert_factor, self.settings.rule_alert_min_fires)
            quarantine_overmatching(tx, now, self.settings.quarantine_matches_per_hour)
            quarantine_overmatching_symbols(tx, now, self.settings.quarantine_matches_per_hour)

    def _preserve_media(self, checked: Sequence[tuple[Item, Verdict]]) -> None:
        """Keep the bytes a reviewer will need, before the transaction (no file I/O under the writer lock).

        A crash between the two leaves at most an unreferenced file, never a case without its media.
        """
        for item, verdict in checked:
            if verdict.action is not Action.ALLOW and item.media and item.media.base64:
                preserve(self.settings.data_dir / "media", item.media.data() or b"")


def record_policy(tx: Transaction, policy: Policy) -> None:
    """Audit a policy the first time it is used, so every rule change is on the record."""
    subject = f"policy:{policy.version}"
    if tx.audit.has("policy.activate", subject):
        return
    rules = [
        {
            "name": r.spec.name,
            "version": r.spec.version,
            "mode": r.spec.mode,
            "action": r.spec.action.value,
            "when": r.spec.when,
        }
        for r in policy.rules
    ]
    tx.audit.append(action="policy.activate", subject=subject, actor="system", payload={"rules": rules})


def _by_platform(entries: list[tuple[Item, Verdict, str]]) -> dict[str, list[tuple[Item, Verdict]]]:
    by_platform: dict[str, list[tuple[Item, Verdict]]] = {}
    for item, verdict, platform in entries:
        by_platform.setdefault(platform, []).append((item, verdict))
    return by_platform
