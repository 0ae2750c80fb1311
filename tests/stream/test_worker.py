"""`bastion publish` and `bastion worker` against the real NATS JetStream and PostgreSQL, as an operator runs them."""

from __future__ import annotations

import signal
import socket

import httpx
import pytest

from bastion.store.audit import AUDIT_LOCK_KEY
from bastion.store.db import APPLICATION_NAME
from tests.store.stalled_client import MidStatementClient
from tests.stream.conftest import Deployment

pytestmark = pytest.mark.postgres

ROWS: list[dict[str, object]] = [
    {"id": "s1", "text": "Nice weather for a walk"},
    {"id": "s2", "text": "join the crimson dawn brigade, brothers"},
    {"id": "s3", "text": "our football team won the match"},
]


def _verdicts(deployment: Deployment) -> int:
    return int(deployment.sql("SELECT count(*) FROM verdicts")[0][0])  # type: ignore[call-overload]


def test_published_items_get_verdicts_cases_actions_and_audit_records(deployment: Deployment) -> None:
    published = deployment.publish_rows(ROWS, platform="forum")
    assert published.returncode == 0, published.stderr
    assert "published 3 items" in published.stdout
    port = _free_port()
    deployment.start_worker("--metrics-port", str(port))
    deployment.wait_for(lambda: _verdicts(deployment) == 3, what="three verdicts")
    deployment.wait_for(lambda: deployment.stream_state()["unacked"] == 0, what="every message acknowledged")

    actions = dict(deployment.sql("SELECT item_id, action FROM verdicts WHERE platform = 'forum'"))
    assert actions == {"s1": "allow", "s2": "review", "s3": "allow"}
    assert deployment.sql("SELECT platform, item_id, state FROM cases") == [("forum", "s2", "open")]
    outbox = deployment.sql("SELECT item_id, action, payload->>'verdict' FROM action_outbox")
    assert outbox == [("s2", "verdict", "review")]  # what the platform must act on also goes to its webhook
    audited = deployment.sql("SELECT subject FROM audit_log WHERE action = 'verdict' ORDER BY subject")
    assert audited == [("item:forum/s1",), ("item:forum/s2",), ("item:forum/s3",)]
    state = deployment.stream_state()
    assert (state["items"], state["verdicts"], state["dead_letters"]) == (0, 3, 0)  # taken off, answered, none dead
    metrics = httpx.get(f"http://127.0.0.1:{port}/metrics").text
    assert "bastion_stream_items_in_total 3.0" in metrics
    assert 'bastion_verdicts_total{action="review"} 1.0' in metrics


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_sigterm_finishes_what_the_worker_holds_before_it_exits(deployment: Deployment) -> None:
    rows: list[dict[str, object]] = [{"id": f"d{n}", "text": f"post number {n} about the harbour"} for n in range(600)]
    assert deployment.publish_rows(rows).returncode == 0
    worker = deployment.start_worker("--batch-size", "50", "--max-in-flight", "200")
    deployment.wait_for(lambda: _verdicts(deployment) > 0, what="a first verdict")
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=60) == 0
    state = deployment.stream_state()
    assert state["unacked"] == 0  # nothing left waiting for a redelivery
    assert _verdicts(deployment) + state["items"] == 600  # every message either checked and taken off, or untouched
    assert state["verdicts"] == _verdicts(deployment)


def test_publish_reports_malformed_rows_and_a_second_publish_is_dropped(deployment: Deployment) -> None:
    source = deployment.tmp_path / "mixed.jsonl"
    source.write_text('{"id": "m1", "text": "hello"}\nnot json\n{"text": "no id"}\n', encoding="utf-8")
    first = deployment.bastion("publish", str(source))
    assert first.returncode == 1
    assert "line 2" in first.stderr and "line 3" in first.stderr
    assert "published 1 items" in first.stdout
    again = deployment.bastion("publish", str(source))
    assert "published 0 items" in again.stdout and "(1 already there)" in again.stdout


def test_an_unreachable_nats_is_one_clear_line(deployment: Deployment) -> None:
    result = deployment.bastion("worker", env={"BASTION_NATS_URL": "nats://127.0.0.1:1"})
    assert result.returncode == 2
    assert "NATS is not reachable at nats://127.0.0.1:1" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_worker_that_stalls_holding_messages_leaves_the_rest_to_the_others(deployment: Deployment) -> None:
    """The consumer's own limit on unacknowledged messages was the first worker's `max_in_flight`: a second worker
    got nothing while the first held that many (two workers were slower than one). Stopped inside its transaction,
    the first holds the audit chain's lock until PostgreSQL ends its session (a short wait here); warmed up before
    it takes a message, a worker is in a transaction often enough for that to be the usual case."""
    rows: list[dict[str, object]] = [{"id": f"h{n}", "text": f"post number {n} about the harbour"} for n in range(600)]
    assert deployment.publish_rows(rows).returncode == 0
    stalled_transactions = {"BASTION_DATABASE_STALLED_TRANSACTION_SECONDS": "2"}
    first = deployment.start_worker("--batch-size", "50", "--max-in-flight", "100", env=stalled_transactions)
    deployment.wait_for(lambda: deployment.stream_state()["unacked"] >= 50, what="the first worker holding a batch")
    first.send_signal(signal.SIGSTOP)
    try:
        held = deployment.stream_state()["unacked"]
        assert held <= 100  # its max in flight: a batch in hand and one fetched ahead
        deployment.start_worker("--batch-size", "50", "--max-in-flight", "100", env=stalled_transactions)
        # A bound on liveness, not a speed: the second worker starts, warms up and checks about 500 items; in a full
        # suite on a slow machine that once took more than 40 s.
        deployment.wait_for(lambda: _verdicts(deployment) >= 600 - held, seconds=90, what="the second worker's share")
    finally:
        first.send_signal(signal.SIGCONT)
    deployment.wait_for(lambda: _verdicts(deployment) == 600, what="every item checked once")
    deployment.wait_for(lambda: deployment.stream_state()["unacked"] == 0, what="every message acknowledged")
    assert deployment.sql("SELECT count(*) FROM audit_log WHERE action = 'verdict'") == [(600,)]


def test_a_writer_stopped_mid_statement_holding_the_chain_is_ended_and_the_batch_recorded_whole(
    deployment: Deployment,
) -> None:
    """A session stopped between a statement's parse and its sync is beyond PostgreSQL's idle timeout: the worker
    that waits out the stall limit for the audit chain's lock ends it, and checks its batch again, whole."""
    url = deployment.database_url.replace("postgresql+psycopg://", "postgresql://")
    deployment.start_worker(env={"BASTION_DATABASE_STALLED_TRANSACTION_SECONDS": "1"})
    log = deployment.tmp_path / "worker-0.log"
    deployment.wait_for(lambda: log.exists() and "worker_warm" in log.read_text(), what="the worker warmed up")
    stalled = MidStatementClient(url, APPLICATION_NAME, f"SELECT pg_advisory_xact_lock({AUDIT_LOCK_KEY})")
    rows: list[dict[str, object]] = [{"id": f"w{n}", "text": f"stall note {n} about the harbour"} for n in range(30)]
    assert deployment.publish_rows(rows).returncode == 0
    deployment.wait_for(lambda: _verdicts(deployment) == 30, what="the batch recorded once the lock was free")
    assert stalled.ended_by_server()
    logged = log.read_text()
    assert "lock timeout" in logged and "stalled_sessions_ended" in logged
    assert "batch_failed" not in logged  # waited out and taken again whole, not item by item
    assert deployment.sql("SELECT count(*) FROM audit_log WHERE action = 'verdict'") == [(30,)]


def test_a_backlog_is_taken_in_full_batches_and_a_lone_message_at_once(deployment: Deployment) -> None:
    """A batch is what is waiting, up to its size: a backlog fills whole batches (one transaction each, so one
    `decided_at`), and a message arriving at an idle worker is its own batch, not held for others to fill it."""
    backlog: list[dict[str, object]] = [{"id": f"b{n}", "text": f"market day number {n}"} for n in range(300)]
    assert deployment.publish_rows(backlog).returncode == 0
    deployment.start_worker("--batch-size", "128")
    deployment.wait_for(lambda: _verdicts(deployment) == 300, what="the backlog checked")
    assert deployment.publish_rows([{"id": "lone", "text": "the harbour is quiet today"}]).returncode == 0
    deployment.wait_for(lambda: _verdicts(deployment) == 301, what="the lone message checked")
    batches = deployment.sql("SELECT count(*) FROM verdicts GROUP BY decided_at ORDER BY min(decided_at)")
    assert [size for (size,) in batches] == [128, 128, 44, 1]
