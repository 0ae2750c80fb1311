"""GET /metrics: Prometheus' text format with items, verdicts by action, detector latency and the legal clock."""

from __future__ import annotations

import math
import re
from datetime import timedelta

from fastapi.testclient import TestClient

from bastion.core import utcnow
from bastion.metrics import DETECTOR_SECONDS, ITEMS_CHECKED
from bastion.service import Service
from bastion.store.items import CaseRequest


def _value(text: str, name: str) -> float:
    match = re.search(rf"^{re.escape(name)} (\S+)$", text, re.MULTILINE)
    assert match, f"{name} missing from /metrics"
    return float(match.group(1))


def test_metrics_count_checked_items_and_verdicts_by_action(client: TestClient) -> None:
    assert client.app.state.warmed.wait(timeout=120)  # type: ignore[attr-defined]  # warm-up has run its items
    before = client.get("/metrics").text
    checked = _value(before, "bastion_items_checked_total")
    reviews = _value(before, 'bastion_verdicts_total{action="review"}') if 'action="review"' in before else 0.0
    for n, text in enumerate(["Nice weather for a walk", "join the crimson dawn brigade, brothers"]):
        assert client.post("/v1/check", json={"id": f"m{n}", "text": text}).status_code == 200
    response = client.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    assert _value(response.text, "bastion_items_checked_total") == checked + 2
    assert _value(response.text, 'bastion_verdicts_total{action="review"}') == reviews + 1
    assert re.search(r'^bastion_detector_batch_seconds_count\{detector="[a-z_]+"\} [1-9]', response.text, re.MULTILINE)


def test_metrics_show_the_clock_of_the_nearest_legal_deadline(client: TestClient, service: Service) -> None:
    assert math.isnan(_value(client.get("/metrics").text, "bastion_oldest_legal_deadline_seconds"))  # no deadline
    client.post("/v1/check", json={"id": "ordered", "text": "a post under a removal order"})
    with service.db.transaction() as tx:
        tx.items.open_case(
            CaseRequest("test-platform", "ordered", 90, [], "order", utcnow() + timedelta(minutes=40)), utcnow()
        )
    seconds = _value(client.get("/metrics").text, "bastion_oldest_legal_deadline_seconds")
    assert 30 * 60 < seconds <= 40 * 60


def test_a_process_warming_up_counts_no_item_and_no_detector_latency(service: Service) -> None:
    checked = ITEMS_CHECKED._value.get()
    timed = {d.name: DETECTOR_SECONDS.labels(d.name)._sum.get() for d in service.pipeline.detectors}

    service.warm_up()

    assert ITEMS_CHECKED._value.get() == checked
    assert {d.name: DETECTOR_SECONDS.labels(d.name)._sum.get() for d in service.pipeline.detectors} == timed
