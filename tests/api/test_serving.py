"""`bastion serve` as an operator runs it: slow clients time out, workers die with their parent, and /metrics counts
every worker."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from bastion.settings import Settings
from bastion.store.db import Database

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _serve(tmp_path: Path, workers: int, **env: str) -> tuple[subprocess.Popen[bytes], int]:
    port = _free_port()
    environment = {**os.environ, "BASTION_DATA_DIR": str(tmp_path / "data"), **env}
    environment.pop("BASTION_DATABASE_URL", None)
    command = [sys.executable, "-m", "bastion", "serve", "--port", str(port), "--workers", str(workers)]
    server = subprocess.Popen(
        command, env=environment, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    return server, port


def _until(condition: object, what: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.2)
    raise AssertionError(f"{what} within {seconds} s")


def _ready(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5).status_code == 200
    except httpx.TransportError:
        return False


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(") ", 1)[1].split()[1]) == pid:
                found.append(int(entry))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _check_key(tmp_path: Path) -> str:
    db = Database.from_settings(Settings(data_dir=tmp_path / "data"))
    db.migrate()
    with db.transaction() as tx:
        key = tx.keys.create("slow", ["check"], actor="test").secret
    db.dispose()
    return key


@pytest.fixture
def one_worker(tmp_path: Path) -> Iterator[tuple[int, str]]:
    """A server with one-second deadlines and three requests per connection, and a key to reach the routes that
    read a body."""
    key = _check_key(tmp_path)
    deadlines = {"BASTION_HEADER_TIMEOUT_SECONDS": "1", "BASTION_BODY_TIMEOUT_SECONDS": "1"}
    server, port = _serve(tmp_path, 1, **deadlines, BASTION_KEEPALIVE_REQUESTS="3")
    try:
        _until(lambda: _ready(port), "the server was not ready")
        yield port, key
    finally:
        server.terminate()
        server.wait(timeout=30)


def _answer(connection: socket.socket) -> bytes:
    connection.settimeout(30)
    received = b""
    while chunk := connection.recv(4096):
        received += chunk
    return received


def test_a_client_too_slow_with_its_headers_gets_408_and_is_closed(one_worker: tuple[int, str]) -> None:
    with socket.create_connection(("127.0.0.1", one_worker[0])) as slow:
        slow.sendall(b"POST /v1/check HTTP/1.1\r\nHost: x\r\n")  # and never the rest

        answer = _answer(slow)

    assert answer.startswith(b"HTTP/1.1 408 ")
    assert b'"error": "request_timeout"' in answer and b"headers" in answer


def test_a_client_too_slow_with_its_body_gets_408_and_is_closed(one_worker: tuple[int, str]) -> None:
    port, key = one_worker
    with socket.create_connection(("127.0.0.1", port)) as slow:
        slow.sendall(
            b"POST /v1/check HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\ncontent-length: 50\r\n"
            + f"authorization: Bearer {key}\r\n\r\n".encode()
            + b"{"  # and never the rest
        )

        answer = _answer(slow)

    assert answer.startswith(b"HTTP/1.1 408 ")
    assert b"body" in answer


def test_a_quick_client_is_not_cut_off(one_worker: tuple[int, str]) -> None:
    port, key = one_worker
    response = httpx.post(
        f"http://127.0.0.1:{port}/v1/check", json={"id": "q", "text": "x"}, headers={"Authorization": f"Bearer {key}"}
    )

    assert response.status_code == 200


def test_a_connection_is_closed_after_its_share_of_requests_and_the_client_goes_on(
    one_worker: tuple[int, str],
) -> None:
    port, key = one_worker
    answers = []
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {key}"}) as client:
        for n in range(5):
            response = client.post("/v1/check", json={"id": f"k-{n}", "text": "A fictional note about rain"})
            answers.append((response.status_code, response.headers.get("connection")))

    # The third request's answer closes its connection; the client opens another for the fourth.
    assert answers == [(200, None), (200, None), (200, "close"), (200, None), (200, None)]


def test_killing_the_parent_takes_its_workers_down_and_frees_the_port(tmp_path: Path) -> None:
    server, port = _serve(tmp_path, 2)
    workers: list[int] = []
    try:
        _until(lambda: _ready(port), "the server was not ready")
        workers = _children(server.pid)
        assert len([w for w in workers if _alive(w)]) >= 2

        os.kill(server.pid, signal.SIGKILL)
        server.wait(timeout=30)

        _until(lambda: not any(_alive(w) for w in workers), "orphaned workers were still running", 60)
        with socket.socket() as again:  # nothing listens on the port any more
            assert again.connect_ex(("127.0.0.1", port)) != 0
    finally:  # whatever happened, leave no process of this test behind
        for pid in [w for w in workers if _alive(w)]:
            os.kill(pid, signal.SIGKILL)
        if server.poll() is None:
            server.kill()
            server.wait(timeout=30)


def _metrics(port: int) -> httpx.Response:
    return httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=60)  # a connection of its own, to either worker


def _checked(metrics: str) -> float:
    match = re.search(r"^bastion_items_checked_total (\S+)$", metrics, re.MULTILINE)
    assert match, "bastion_items_checked_total missing from /metrics"
    return float(match.group(1))


def test_metrics_count_the_checks_of_every_worker_whichever_answers_the_scrape(tmp_path: Path) -> None:
    """Each worker process had its own counters: a scrape showed whichever process it reached."""
    key = _check_key(tmp_path)
    server, port = _serve(tmp_path, 2)
    try:
        with ThreadPoolExecutor(16) as pool:  # both workers warm, so every count below is traffic
            _until(lambda: all(pool.map(lambda _: _ready(port), range(16))), "the workers were not ready")
            before = {_checked(scrape.text) for scrape in pool.map(lambda _: _metrics(port), range(16))}
        assert len(before) == 1

        def check(n: int) -> int:  # a connection of its own each: the two workers take turns accepting
            item = {"id": f"w{n}", "text": "An ordinary post about the weather"}
            response = httpx.post(
                f"http://127.0.0.1:{port}/v1/check", json=item, headers={"Authorization": f"Bearer {key}"}, timeout=60
            )
            return response.status_code

        with ThreadPoolExecutor(8) as pool:
            assert set(pool.map(check, range(40))) == {200}
            scrapes = list(pool.map(lambda _: _metrics(port), range(16)))

        assert {_checked(scrape.text) for scrape in scrapes} == {before.pop() + 40}
    finally:
        server.terminate()
        server.wait(timeout=60)
