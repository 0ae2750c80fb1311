"""A message delivered again changes nothing; workers appending at once keep one audit chain (SQLite, PostgreSQL)."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from bastion.core import Item, utcnow
from bastion.service import Service
from bastion.store.stream import Delivery
from bastion.workers.stream import content_digest, delivery_of, item_message


def _delivery(item_id: str, text: str, platform: str = "forum") -> Delivery:
    item = Item(id=item_id, text=text)
    return Delivery(item, platform, content_digest(item))


def _counts(service: Service, platform: str, item_id: str) -> tuple[int, int, int, int]:
    with service.db.snapshot() as tx:
        records = [r for r in tx.audit.newest(1000) if r.subject == f"item:{platform}/{item_id}"]
        verdicts = sum(r.action == "verdict" for r in records)
        opened = sum(r.action == "case.open" for r in records)
        cases = 1 if tx.cases.for_item(platform, item_id) else 0
        actions = sum(1 for _ in tx.outbox.due(_far_future(), 1000))
    return verdicts, opened, cases, actions


def _far_future() -> datetime:
    return utcnow() + timedelta(days=1)


def test_a_redelivered_message_writes_no_second_verdict_case_action_or_audit_record(service: Service) -> None:
    delivery = _delivery("p1", "join the crimson dawn brigade, brothers")
    first = service.check_deliveries([delivery])
    again = service.check_deliveries([delivery, delivery])  # redelivered, even twice in one batch
    assert first[0].action.value == again[0].action.value == "review"  # type: ignore[union-attr]
    assert _counts(service, "forum", "p1") == (1, 1, 1, 1)
    with service.db.snapshot() as tx:
        assert tx.audit.verify().ok


def test_the_same_id_with_changed_content_is_checked_again(service: Service) -> None:
    service.check_deliveries([_delivery("p2", "our football team won the match")])
    service.check_deliveries([_delivery("p2", "our football team won the match again")])
    verdicts, _, cases, _ = _counts(service, "forum", "p2")
    assert (verdicts, cases) == (2, 0)  # a re-check: its audit trail says so, as for the API


def test_a_message_carries_the_item_and_its_platform_and_digest() -> None:
    item = Item(id="x1", text="hello", metadata={"thread": 7})
    body, headers = item_message(item, "forum")
    delivery = delivery_of(body, headers)
    assert delivery.item == item and delivery.platform == "forum"
    assert delivery.digest == content_digest(item) == headers["Nats-Msg-Id"].rsplit("/", 1)[1]
    assert delivery_of(body, None).platform == "local"


def test_concurrent_batches_keep_one_valid_audit_chain(service: Service) -> None:
    batches = [
        [_delivery(f"c{w}-{n}", f"post {n} of writer {w} about the bridge") for n in range(40)] for w in range(4)
    ]
    failures: list[BaseException] = []

    def write(batch: list[Delivery]) -> None:
        try:
            for start in range(0, len(batch), 10):
                service.check_deliveries(batch[start : start + 10])
        except BaseException as error:  # pragma: no cover - reported below
            failures.append(error)

    threads = [threading.Thread(target=write, args=(batch,)) for batch in batches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures
    with service.db.snapshot() as tx:
        report = tx.audit.verify()
        verdicts = [r for r in tx.audit.newest(1000) if r.action == "verdict"]
    assert report.ok, report.reason
    assert len(verdicts) == len({r.subject for r in verdicts}) == 160
