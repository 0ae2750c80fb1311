"""/v1/check under concurrency: requests share a pipeline pass and a transaction, and never block the loop."""

from __future__ import annotations

import asyncio
import fcntl
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from bastion.api.app import create_app
from bastion.core import Signal
from bastion.detectors.base import Content, Detector
from bastion.service import Service
from bastion.settings import Settings
from bastion.store.db import Database
from bastion.store.group_commit import HeavyLane
from bastion.store.models.core import ItemRow

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _items(db: Database) -> int:
    with db.reader() as session:
        return session.scalar(select(func.count()).select_from(ItemRow)) or 0


class _Gate(Detector):
    """A detector that waits at a gate: while it waits, a check is in the middle of its pipeline pass."""

    name = "gate"
    version = "1"

    def __init__(self) -> None:
        self.entered, self.release = threading.Event(), threading.Event()
        self.batches: list[int] = []

    @classmethod
    def from_context(cls, context: object) -> _Gate:
        return cls()

    def detect(self, content: Content) -> list[Signal]:
        return []

    def detect_many(self, contents: Sequence[Content]) -> list[list[Signal]]:
        self.batches.append(len(contents))
        self.entered.set()
        self.release.wait(timeout=5)  # on the event loop, this would stall every request for 5 s
        return [[] for _ in contents]


def _client(settings: Settings, service: Service) -> httpx.AsyncClient:
    app = create_app(settings, service)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bastion")


async def _finish_order(settings: Settings, service: Service, key: str, gate: _Gate) -> list[str]:
    """Which answers first: a check waiting inside the pipeline, or /healthz asked meanwhile."""
    finished: list[str] = []
    async with _client(settings, service) as client:

        async def check() -> None:
            response = await client.post(
                "/v1/check", json={"id": "slow", "text": "x"}, headers={"Authorization": f"Bearer {key}"}
            )
            assert response.status_code == 200, response.text
            finished.append("check")

        async def health() -> None:
            await asyncio.to_thread(gate.entered.wait, 5)
            assert (await client.get("/healthz")).status_code == 200
            finished.append("healthz")
            gate.release.set()

        await asyncio.gather(check(), health())
    return finished


def test_healthz_answers_while_a_check_is_being_detected(settings: Settings, service: Service, api_key: str) -> None:
    gate = _Gate()
    service.pipeline.detectors = [*service.pipeline.detectors, gate]

    assert asyncio.run(_finish_order(settings, service, api_key, gate)) == ["healthz", "check"]


def test_healthz_answers_while_another_process_holds_the_sqlite_writer_lock(
    settings: Settings, service: Service, db: Database, api_key: str
) -> None:
    if not db.is_sqlite:
        pytest.skip("the writer lock is SQLite's")
    locked, release = threading.Event(), threading.Event()

    def other_writer() -> None:
        with Path(f"{db.engine.url.database}.writer-lock").open("a") as held:
            fcntl.flock(held, fcntl.LOCK_EX)
            locked.set()
            release.wait(timeout=5)  # on the event loop, the check would stall every request this long
            fcntl.flock(held, fcntl.LOCK_UN)

    async def scenario() -> list[str]:
        finished: list[str] = []
        async with _client(settings, service) as client:

            async def check() -> None:
                headers = {"Authorization": f"Bearer {api_key}"}
                assert (
                    await client.post("/v1/check", json={"id": "w", "text": "x"}, headers=headers)
                ).status_code == 200
                finished.append("check")

            async def health() -> None:
                await asyncio.sleep(0.1)  # let the check reach the lock first
                assert (await client.get("/healthz")).status_code == 200
                finished.append("healthz")
                release.set()

            await asyncio.gather(check(), health())
        return finished

    holder = threading.Thread(target=other_writer)
    holder.start()
    locked.wait(timeout=5)
    try:
        assert asyncio.run(scenario()) == ["healthz", "check"]
    finally:
        release.set()
        holder.join()
    assert _items(db) == 1


def test_concurrent_checks_share_one_pipeline_pass(
    settings: Settings, service: Service, db: Database, api_key: str
) -> None:
    gate = _Gate()
    gate.release.set()
    service.pipeline.detectors = [*service.pipeline.detectors, gate]
    settings.check_batch_wait_ms = 200  # wide enough that every request below joins the first batch

    async def scenario() -> list[int]:
        async with _client(settings, service) as client:
            headers = {"Authorization": f"Bearer {api_key}"}
            posts = [
                client.post("/v1/check", json={"id": f"c-{n}", "text": f"post {n}"}, headers=headers) for n in range(12)
            ]
            return [response.status_code for response in await asyncio.gather(*posts)]

    assert asyncio.run(scenario()) == [200] * 12
    assert max(gate.batches) > 1
    assert sum(gate.batches) == 12
    assert _items(db) == 12


def test_an_item_refused_in_a_batch_leaves_the_others_checked(
    settings: Settings, service: Service, db: Database, api_key: str
) -> None:
    settings.check_batch_wait_ms = 200

    async def scenario() -> list[int]:
        async with _client(settings, service) as client:
            headers = {"Authorization": f"Bearer {api_key}"}
            bodies = [
                {"id": "ok-1", "text": "a"},
                {"id": "img", "kind": "image", "text": "no bytes"},
                {"id": "ok-2", "text": "b"},
            ]
            return [
                (await r).status_code
                for r in [asyncio.ensure_future(client.post("/v1/check", json=b, headers=headers)) for b in bodies]
            ]

    assert asyncio.run(scenario()) == [200, 422, 200]
    assert _items(db) == 2


class _WhereRun(_Gate):
    """Notes the thread each batch runs on, and that thread's CPU priority."""

    def __init__(self) -> None:
        super().__init__()
        self.release.set()
        self.threads: list[tuple[str, int]] = []

    def detect_many(self, contents: Sequence[Content]) -> list[list[Signal]]:
        thread = threading.current_thread()
        self.threads.append((thread.name.split("_")[0], os.getpriority(os.PRIO_PROCESS, threading.get_native_id())))
        return super().detect_many(contents)


def test_long_texts_are_checked_apart_at_a_lower_priority(
    settings: Settings, service: Service, db: Database, api_key: str
) -> None:
    where = _WhereRun()
    service.pipeline.detectors = [*service.pipeline.detectors, where]
    long_text = "a quiet fictional harbour where nothing happens " * (settings.heavy_check_chars // 40)

    async def scenario() -> list[int]:
        async with _client(settings, service) as client:
            headers = {"Authorization": f"Bearer {api_key}"}
            bodies = [{"id": "short", "text": "hello"}, {"id": "long", "text": long_text}]
            answers = await asyncio.gather(*(client.post("/v1/check", json=b, headers=headers) for b in bodies))
            return [answer.status_code for answer in answers]

    assert asyncio.run(scenario()) == [200, 200]
    ours = os.getpriority(os.PRIO_PROCESS, 0)
    assert sorted(where.threads) == [("bastion-batch", ours), ("bastion-heavy", min(19, ours + 10))]
    assert _items(db) == 2


class _HoldsOne(Detector):
    """Holds the batch that carries the item `held` until released; every other item passes."""

    name = "holds-one"
    version = "1"

    def __init__(self) -> None:
        self.entered, self.release = threading.Event(), threading.Event()

    @classmethod
    def from_context(cls, context: object) -> _HoldsOne:
        return cls()

    def detect(self, content: Content) -> list[Signal]:
        return []

    def detect_many(self, contents: Sequence[Content]) -> list[list[Signal]]:
        if any(content.item.id == "held" for content in contents):
            self.entered.set()
            self.release.wait(timeout=5)
        return [[] for _ in contents]


def _beside_a_batch(
    settings: Settings, service: Service, api_key: str, batch_in_flight: bool, **request: Any
) -> httpx.Response:
    """POST `request` to /v1/check while an ordinary batch is held in a detector, or after it has gone."""
    holder = _HoldsOne()
    service.pipeline.detectors = [*service.pipeline.detectors, holder]
    headers = {"Authorization": f"Bearer {api_key}", "content-type": "application/json"}

    async def scenario() -> httpx.Response:
        async with _client(settings, service) as client:
            held = asyncio.create_task(client.post("/v1/check", json={"id": "held", "text": "hi"}, headers=headers))
            if batch_in_flight:
                await asyncio.to_thread(holder.entered.wait, 5)
            else:
                holder.release.set()
                assert (await held).status_code == 200
            answer = await client.post("/v1/check", headers=headers, **request)
            holder.release.set()
            assert (await held).status_code == 200
            return answer

    return asyncio.run(scenario())


def _long_text_pauses(settings: Settings, service: Service, api_key: str, batch_in_flight: bool) -> list[float]:
    """The pauses a long text's check takes between its steps, with or without an ordinary batch in flight."""
    pauses: list[float] = []
    service._heavy = HeavyLane(1, 0.25, service._ordinary_in_flight, sleep=pauses.append)
    long_text = "a quiet fictional harbour where nothing happens " * (settings.heavy_check_chars // 40)

    answer = _beside_a_batch(settings, service, api_key, batch_in_flight, json={"id": "long", "text": long_text})

    assert answer.status_code == 200, answer.text
    return pauses


def test_a_long_text_pauses_after_each_step_while_a_batch_is_in_flight(
    settings: Settings, service: Service, api_key: str
) -> None:
    detectors = len(service.pipeline.detectors) + 1  # with the one that holds the batch

    pauses = _long_text_pauses(settings, service, api_key, batch_in_flight=True)

    assert len(pauses) == 1 + detectors  # after preparing, and after each detector
    assert all(pause >= 0 for pause in pauses)


def test_a_long_text_runs_without_pauses_when_no_batch_is_in_flight(
    settings: Settings, service: Service, api_key: str
) -> None:
    assert _long_text_pauses(settings, service, api_key, batch_in_flight=False) == []


def _malformed_pauses(
    settings: Settings, service: Service, api_key: str, batch_in_flight: bool, recorded: bool = True
) -> list[float]:
    """The pauses taken before answering a body that is not JSON, with or without a batch in flight."""
    pauses: list[float] = []

    async def record(seconds: float) -> None:
        pauses.append(seconds)

    if recorded:
        service._pause = record

    answer = _beside_a_batch(settings, service, api_key, batch_in_flight, content=b'{"id": "x", "text": ')

    assert answer.status_code == 400 and answer.json()["error"] == "malformed_json"
    return pauses


def test_a_malformed_body_is_answered_after_a_pause_while_a_batch_is_in_flight(
    settings: Settings, service: Service, api_key: str
) -> None:
    pauses = _malformed_pauses(settings, service, api_key, batch_in_flight=True)

    assert pauses == [settings.malformed_request_pause_ms / 1000]


def test_a_malformed_body_is_still_refused_with_400_after_a_real_pause(
    settings: Settings, service: Service, api_key: str
) -> None:
    _malformed_pauses(settings, service, api_key, batch_in_flight=True, recorded=False)  # asserts the 400


def test_a_malformed_body_is_answered_at_once_when_no_batch_is_in_flight(
    settings: Settings, service: Service, api_key: str
) -> None:
    assert _malformed_pauses(settings, service, api_key, batch_in_flight=False) == []
