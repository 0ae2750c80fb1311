"""Done when: workers killed with SIGKILL mid-stream (and the database restarted) lose nothing and duplicate nothing.

Every item published ends with exactly one verdict, at most one case and one
action, one `verdict` audit record, and `bastion audit verify` passes.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from bastion.store.db import Database
from tests.stream.conftest import Deployment, make_deployment

pytestmark = pytest.mark.postgres

# Workers killed hold messages that come back after the ack wait: a short one keeps the test short.
_FAST_REDELIVERY = {"BASTION_WORKER_ACK_WAIT_SECONDS": "3", "BASTION_WORKER_BATCH_SIZE": "100"}


def _rows(count: int) -> list[dict[str, object]]:
    """Fictional posts; one in ten is the kind that opens a case (and so an action and more audit records)."""
    return [
        {
            "id": f"k{n}",
            "text": f"join the crimson dawn brigade, brothers {n}" if n % 10 == 0 else f"post {n} on the bridge",
        }
        for n in range(count)
    ]


def _verdicts(deployment: Deployment) -> int:
    return int(deployment.sql("SELECT count(*) FROM verdicts")[0][0])  # type: ignore[call-overload]


def _all_done(deployment: Deployment, count: int) -> bool:
    if _verdicts(deployment) < count:
        return False
    state = deployment.stream_state()
    return state["pending"] == 0 and state["unacked"] == 0


def _start(deployment: Deployment) -> subprocess.Popen[bytes]:
    return deployment.start_worker(env=_FAST_REDELIVERY)


def _kill_workers_mid_stream(deployment: Deployment, count: int, kills: int) -> None:
    """Publish in `kills` chunks; in each, SIGKILL both workers once a tenth of the chunk is recorded, and restart them.

    Two workers run at once, so their transactions append to one audit chain concurrently.
    """
    rows, chunk = _rows(count), count // kills
    workers = [_start(deployment), _start(deployment)]
    for kill in range(kills):
        upto = count if kill == kills - 1 else (kill + 1) * chunk
        assert deployment.publish_rows(rows[kill * chunk : upto]).returncode == 0
        target = kill * chunk + chunk // 10
        deployment.wait_for(lambda t=target: _verdicts(deployment) >= t, seconds=180, what=f"{target} verdicts")
        for worker in workers:
            worker.send_signal(signal.SIGKILL)
        for worker in workers:
            worker.wait()
        assert _verdicts(deployment) < upto  # killed mid-stream: work was in their hands
        workers = [_start(deployment), _start(deployment)]
    deployment.wait_for(lambda: _all_done(deployment, count), seconds=300, what=f"all {count} verdicts")


def _assert_exactly_once(deployment: Deployment, count: int) -> None:
    sql = deployment.sql
    assert _verdicts(deployment) == count
    per_subject = "SELECT subject FROM audit_log WHERE action = '{}' GROUP BY subject HAVING count(*) > 1"
    assert sql(per_subject.format("verdict")) == []  # no item audited twice
    assert sql("SELECT count(DISTINCT subject) FROM audit_log WHERE action = 'verdict'") == [(count,)]
    assert sql(per_subject.format("case.open")) == []
    flagged = count // 10 + (1 if count % 10 else 0)
    assert sql("SELECT count(*), count(DISTINCT item_id) FROM cases") == [(flagged, flagged)]
    assert sql("SELECT count(*), count(DISTINCT item_id) FROM action_outbox") == [(flagged, flagged)]
    assert sql("SELECT count(*) FROM stream_receipts") == [(count,)]
    verified = deployment.bastion("audit", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "audit log intact" in verified.stdout


def test_workers_killed_mid_stream_lose_and_duplicate_nothing(deployment: Deployment) -> None:
    _kill_workers_mid_stream(deployment, count=1000, kills=2)
    _assert_exactly_once(deployment, 1000)


@pytest.mark.slow
def test_ten_thousand_items_with_workers_killed_mid_stream(deployment: Deployment) -> None:
    _kill_workers_mid_stream(deployment, count=10_000, kills=3)
    _assert_exactly_once(deployment, 10_000)


# --- the database restarted mid-run: a PostgreSQL cluster of the test's own, never the shared one -------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _pg_bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not found:
        pytest.skip("no PostgreSQL server binaries under /usr/lib/postgresql")
    return found[-1].parent


class OwnCluster:
    """A throwaway PostgreSQL cluster in a temporary directory, on a free port (run as the postgres user if root)."""

    def __init__(self, root: Path) -> None:
        self.bin, self.port = _pg_bin(), _free_port()
        self.data, self.log = root / "pgdata", root / "pg.log"
        root.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(root, "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")

    def _run(self, tool: str, *args: str) -> None:
        command = [str(self.bin / tool), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/bastion"


@pytest.fixture
def own_cluster(tmp_path: Path) -> Iterator[OwnCluster]:
    cluster = OwnCluster(Path("/tmp") / f"bastion-t20-pg-{uuid.uuid4().hex[:8]}")
    cluster.start()
    with psycopg.connect(f"postgresql://postgres@127.0.0.1:{cluster.port}/postgres", autocommit=True) as connection:
        connection.execute("CREATE DATABASE bastion")
    try:
        yield cluster
    finally:
        try:
            cluster.stop("immediate")
        finally:
            shutil.rmtree(cluster.data.parent, ignore_errors=True)


@pytest.fixture
def on_own_cluster(nats_server: str, tmp_path: Path, own_cluster: OwnCluster) -> Iterator[Deployment]:
    db = Database.from_url(own_cluster.url)
    db.migrate()
    db.dispose()
    yield from make_deployment(tmp_path, own_cluster.url)


def test_the_database_restarted_mid_run_loses_and_duplicates_nothing(
    on_own_cluster: Deployment, own_cluster: OwnCluster
) -> None:
    deployment, count = on_own_cluster, 1500
    rows = _rows(count)
    _start(deployment)
    _start(deployment)
    assert deployment.publish_rows(rows[: count // 2]).returncode == 0
    deployment.wait_for(lambda: _all_done(deployment, count // 2), seconds=180, what="the first half")
    own_cluster.stop("immediate")  # a crash: transactions in flight are lost, never half-written
    assert deployment.publish_rows(rows[count // 2 :]).returncode == 0
    # The workers take the second half and hold it, waiting for the database (dead-lettering nothing).
    deployment.wait_for(lambda: deployment.stream_state()["unacked"] > 0, what="workers holding messages")
    time.sleep(2)
    leaving = deployment.workers[0]
    leaving.send_signal(signal.SIGTERM)  # stopping while the database is away: it hands its messages back
    assert leaving.wait(timeout=60) == 0
    own_cluster.start()
    deployment.wait_for(lambda: _all_done(deployment, count), seconds=300, what=f"all {count} verdicts")
    _assert_exactly_once(deployment, count)
    assert deployment.stream_state()["dead_letters"] == 0
    assert deployment.workers[1].poll() is None  # the other rode it out, no restart
