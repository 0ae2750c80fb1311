"""The stream for real: the NATS JetStream of this machine, a fresh stream name per test, workers as subprocesses."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import nats
import psycopg
import pytest

from bastion.settings import Settings
from bastion.workers.stream import StreamNames

NATS_URL = os.environ.get("BASTION_TEST_NATS", "nats://127.0.0.1:4222")


async def _nats_reachable() -> bool:
    try:
        nc = await nats.connect(NATS_URL, connect_timeout=2, max_reconnect_attempts=0, allow_reconnect=False)
    except Exception:
        return False
    await nc.close()
    return True


@dataclass
class Deployment:
    """One deployment for one test: its own stream name and database, and the workers it started."""

    tmp_path: Path
    database_url: str
    stream: str = field(default_factory=lambda: f"T20_{uuid.uuid4().hex[:10]}")
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "BASTION_DATA_DIR": str(self.tmp_path / "data"),
            "BASTION_DATABASE_URL": self.database_url,
            "BASTION_NATS_URL": NATS_URL,
            "BASTION_NATS_STREAM": self.stream,
            "BASTION_WORKER_RETRY_DELAY_SECONDS": "0.2",
        }

    @property
    def settings(self) -> Settings:
        return Settings(
            data_dir=self.tmp_path / "data", database_url=self.database_url, nats_url=NATS_URL, nats_stream=self.stream
        )

    @property
    def names(self) -> StreamNames:
        return StreamNames(self.stream)

    def bastion(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bastion", *args],
            capture_output=True,
            text=True,
            env={**self.env, **(env or {})},
            timeout=120,
            cwd=self.tmp_path,
        )

    def start_worker(self, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        log = (self.tmp_path / f"worker-{len(self.workers)}.log").open("wb")
        worker = subprocess.Popen(
            [sys.executable, "-m", "bastion", "worker", *args],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**self.env, **(env or {})},
            cwd=self.tmp_path,
        )
        self.workers.append(worker)
        return worker

    def publish_rows(self, rows: list[dict[str, object]], platform: str = "local") -> subprocess.CompletedProcess[str]:
        source = self.tmp_path / f"items-{uuid.uuid4().hex[:6]}.jsonl"
        source.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
        return self.bastion("publish", str(source), "--platform", platform)

    def sql(self, query: str) -> list[tuple[object, ...]]:
        url = self.database_url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(url, autocommit=True) as connection:
            cursor = connection.execute(query)  # type: ignore[arg-type]
            return list(cursor) if cursor.description else []

    def wait_for(self, condition: Callable[[], bool], seconds: float = 60, what: str = "condition") -> None:
        """Poll until `condition` holds; a deadline, not a sleep, so a fast machine is not slowed down."""
        deadline = time.monotonic() + seconds
        while not condition():
            if time.monotonic() > deadline:
                logs = "\n".join(p.read_text(errors="replace")[-3000:] for p in self.tmp_path.glob("worker-*.log"))
                raise AssertionError(f"timed out waiting for {what}; worker logs:\n{logs}")
            time.sleep(0.1)

    def stream_state(self) -> dict[str, int]:
        """Messages left on each stream and the consumer's pending/unacknowledged counts."""
        return asyncio.run(_stream_state(self.names))

    def stop_workers(self) -> None:
        for worker in self.workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
        for worker in self.workers:
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()


async def _stream_state(names: StreamNames) -> dict[str, int]:
    nc = await nats.connect(NATS_URL)
    try:
        js = nc.jetstream()
        state = {
            "items": (await js.stream_info(names.stream)).state.messages,
            "verdicts": (await js.stream_info(names.verdicts)).state.messages,
            "dead_letters": (await js.stream_info(names.dead_letters)).state.messages,
        }
        try:
            consumer = await js.consumer_info(names.stream, names.durable)
            state["pending"], state["unacked"] = consumer.num_pending, consumer.num_ack_pending
        except nats.js.errors.NotFoundError:
            state["pending"] = state["unacked"] = 0
        return state
    finally:
        await nc.close()


async def _delete_streams(names: StreamNames) -> None:
    nc = await nats.connect(NATS_URL)
    try:
        js = nc.jetstream()
        for stream in (names.stream, names.verdicts, names.dead_letters):
            with contextlib.suppress(nats.js.errors.NotFoundError):
                await js.delete_stream(stream)
    finally:
        await nc.close()


@pytest.fixture(scope="session")
def nats_server() -> str:
    if not asyncio.run(_nats_reachable()):
        pytest.skip(f"NATS JetStream is not reachable at {NATS_URL}")
    return NATS_URL


def make_deployment(tmp_path: Path, database_url: str) -> Iterator[Deployment]:
    deployment = Deployment(tmp_path, database_url)
    try:
        yield deployment
    finally:
        deployment.stop_workers()
        asyncio.run(_delete_streams(deployment.names))


@pytest.fixture
def deployment(nats_server: str, tmp_path: Path, pg_database: str) -> Iterator[Deployment]:
    yield from make_deployment(tmp_path, pg_database)


@pytest.fixture
def pg_database(pg_template: str) -> Iterator[str]:
    """A migrated PostgreSQL database private to the test (the shared server's)."""
    from tests.conftest import _pg_admin, _pg_url

    name = f"bastion_t20_{uuid.uuid4().hex[:10]}"
    _pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"')
    yield _pg_url(name)
    _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
