"""`bastion serve` says where it listens and logs each request as a JSON line: the item id, never the content."""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from bastion.api.request_log import LOGGER, serving_banner

POST = "Brothers, join the Crimson Dawn Brigade today"


def _request_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, object]]:
    return [json.loads(record.getMessage()) for record in caplog.records if record.name == LOGGER]


def test_a_check_is_logged_with_its_item_id_and_never_its_text(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    assert client.post("/v1/check", json={"id": "post-42", "text": POST, "author": "u-9"}).status_code == 200

    (line,) = _request_lines(caplog)
    assert line["event"] == "request" and line["level"] == "info" and "timestamp" in line
    assert line["method"] == "POST" and line["path"] == "/v1/check" and line["status"] == 200
    assert line["item_id"] == "post-42" and isinstance(line["duration_ms"], float)
    assert "Crimson" not in caplog.text and "u-9" not in caplog.text


def test_query_strings_and_refused_bodies_stay_out_of_the_log(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    client.get("/login", params={"next": "/queue?q=Crimson"})
    client.post("/v1/check", content=b"{" + POST.encode(), headers={"content-type": "application/json"})

    login, refused = _request_lines(caplog)
    assert login["path"] == "/login" and login["status"] == 200
    assert refused["status"] == 400 and "item_id" not in refused
    assert "Crimson" not in caplog.text


def test_the_banner_names_the_address_and_hides_a_database_password() -> None:
    banner = serving_banner("::", 8000, "postgresql+psycopg://bastion:s3cret@db:5432/bastion", 4)
    assert banner == (
        "bastion: serving http://[::]:8000 (API docs /docs, web UI /login), "
        "database postgresql+psycopg://bastion:***@db:5432/bastion, 4 workers"
    )


@pytest.mark.slow
def test_bastion_serve_prints_where_it_listens_then_one_json_line_per_request(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    env = {**os.environ, "BASTION_DATA_DIR": str(tmp_path / "data")}
    env.pop("BASTION_DATABASE_URL", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "bastion", "serve", "--port", str(port)],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        env=env,
        cwd=tmp_path,
        text=True,
    )
    try:
        assert server.stderr is not None
        banner = server.stderr.readline()
        _wait_until_up(f"http://127.0.0.1:{port}/healthz")
        lines = (json.loads(server.stderr.readline()) for _ in range(20))  # every log line is JSON
        line = next(entry for entry in lines if entry["event"] == "request")
    finally:
        server.terminate()
        server.wait(timeout=30)

    database = (tmp_path / "data" / "bastion.db").resolve()
    assert banner.strip() == (
        f"bastion: serving http://127.0.0.1:{port} (API docs /docs, web UI /login), "
        f"database sqlite:///{database}, 1 worker"
    )
    assert line["path"] == "/healthz" and line["status"] == 200 and line["method"] == "GET"


def _wait_until_up(url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, params={"probe": "x"}).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError(f"{url} did not answer within 60 s")
