"""CPU that the HTTP layer costs a request, the check itself left out.

    .venv/bin/python bench/http_layer.py [--requests 2000]

Calls the app as uvicorn would (an ASGI scope, the body in one message), in
process, with `Service.check_async` answering a verdict made beforehand, so
what is measured is everything between the socket and the pipeline: the
middlewares, routing, the key check, reading and validating the item, writing
the verdict and the request's log line. uvicorn's own parsing and the socket
are not in it (`bench/check_throughput.py` measures the whole). Prints the
best of five rounds of CPU time per request, for a check, a probe and a 405
(a request a client can make for nothing: its answer should cost little).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from bastion.api.app import create_app
from bastion.core import Item, Verdict
from bastion.settings import Settings

_ITEM = {"id": "post-1", "text": "A fictional post about the weather in Lisbon today, nothing more."}


def stubbed_app(data_dir: Path) -> tuple[FastAPI, str]:
    """The app with its service's checks answered at once, and a key that may check."""
    app = create_app(Settings(data_dir=data_dir))
    service = app.state.service
    service.db.migrate()
    with service.db.transaction() as tx:
        key = tx.keys.create("bench", ["check"], actor="bench").secret
    verdict = service.check([Item.model_validate(_ITEM)])[0]

    async def answered(item: Item, platform: str, size: int = 0) -> Verdict:
        return verdict

    service.check_async = answered
    return app, key


def request(app: FastAPI, method: str, path: str, headers: dict[str, str], body: bytes) -> Callable[[], Awaitable[int]]:
    raw_headers = [(name.lower().encode(), value.encode()) for name, value in headers.items()]
    raw_headers += [(b"host", b"127.0.0.1"), (b"content-length", str(len(body)).encode())]
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": raw_headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }

    async def once() -> int:
        messages = [{"type": "http.request", "body": body, "more_body": False}]
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return messages.pop() if messages else {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        await app({**scope, "headers": list(raw_headers)}, receive, send)
        return int(sent[0]["status"])

    return once


async def cpu_per_request(call: Callable[[], Awaitable[int]], expected: int, n: int) -> float:
    """Microseconds of CPU per request, best of five rounds of n."""
    assert await call() == expected, "the request did not get the answer it is meant to measure"
    best = float("inf")
    for _ in range(5):
        started = time.process_time()
        for _ in range(n):
            await call()
        best = min(best, (time.process_time() - started) / n * 1e6)
    return best


async def measure(app: FastAPI, key: str, n: int) -> None:
    check = request(
        app,
        "POST",
        "/v1/check",
        {"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        json.dumps(_ITEM).encode(),
    )
    cases = [
        ("POST /v1/check (check stubbed)", check, 200),
        ("GET /healthz", request(app, "GET", "/healthz", {}, b""), 200),
        ("POST / (405)", request(app, "POST", "/", {}, b""), 405),
    ]
    async with app.router.lifespan_context(app):
        for _ in range(200):
            await check()
        for label, call, expected in cases:
            print(f"{label}: {await cpu_per_request(call, expected, n):.0f} µs CPU per request")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    # As `bastion serve` logs: the request lines are written (here to nowhere), not filtered out.
    requests_log = logging.getLogger("bastion.requests")
    requests_log.setLevel(logging.INFO)
    requests_log.propagate = False
    with Path(os.devnull).open("w") as nowhere, tempfile.TemporaryDirectory() as tmp:
        requests_log.addHandler(logging.StreamHandler(nowhere))
        app, key = stubbed_app(Path(tmp))
        asyncio.run(measure(app, key, args.requests))


if __name__ == "__main__":
    main()
