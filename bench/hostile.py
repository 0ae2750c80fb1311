"""Ordinary /v1/check traffic while an attacker sends each hostile input: does the service stay up?

    .venv/bin/python bench/hostile.py [--seconds 8] [--clients 8] [--rss-budget-mb 1500] [--workers 1] [--only PNG]

Starts `bastion serve` on a fresh SQLite data directory, measures the p99 of
ordinary text checks alone, then again while each attack runs (one at a
time): nested objects ending in lone surrogates, JSON nested past the
limit, sixteen parallel PNGs of large pixel counts, huge texts, invalid
UTF-8, slow connections that dribble their headers, clients that leave mid
body. For each it prints the ordinary p99 against the unloaded one, the
server's peak resident memory (all its processes), and any 5xx answer.
The server must answer /healthz at the end without a restart.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import io
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
from PIL import Image
from serving import free_port, wait_ready

from bastion.settings import Settings
from bastion.store.db import Database

ORDINARY = [
    "Lovely evening at the lake with friends",
    "The council meets on Tuesday to discuss the new library",
    "Reporters covered the trial of a fictional militia in the novel",
]
Attack = Callable[[httpx.AsyncClient, int, float], Awaitable[list[int]]]


def _server(data_dir: Path, workers: int) -> tuple[subprocess.Popen[bytes], int, str]:
    settings = Settings(data_dir=data_dir)
    db = Database.from_settings(settings)
    db.migrate()
    with db.transaction() as tx:
        key = tx.keys.create("bench", ["check"], actor="bench").secret
    db.dispose()
    port = free_port()
    env = {**os.environ, "BASTION_DATA_DIR": str(data_dir), "BASTION_HEADER_TIMEOUT_SECONDS": "5"}
    command = [sys.executable, "-m", "bastion", "serve", "--port", str(port), "--workers", str(workers)]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return server, port, key


def _rss_mb(root: int) -> float:
    """Resident memory of the server and its worker processes."""
    pids, total = [root], 0
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                if int(Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].split()[1]) == root:
                    pids.append(int(pid))
            except (OSError, IndexError, ValueError):
                continue
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        total += next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)
    return total / 1024


async def _ordinary(client: httpx.AsyncClient, until: float, latencies: list[float], statuses: list[int]) -> None:
    n = 0
    while time.monotonic() < until:
        n += 1
        started = time.perf_counter()
        body = {"id": f"o-{id(latencies)}-{n}-{time.monotonic_ns()}", "text": ORDINARY[n % len(ORDINARY)]}
        try:
            response = await client.post("/v1/check", json=body)
            statuses.append(response.status_code)
        except httpx.HTTPError:
            statuses.append(599)
        latencies.append((time.perf_counter() - started) * 1000)


def _answers(statuses: list[int]) -> str:
    """How the server answered the attacker: "16 x 200", "316 x 400", "3 x closed" (the connection dropped)."""
    return ", ".join(f"{n} x {status or 'closed'}" for status, n in sorted(Counter(statuses).items()))


def _p99(latencies: list[float]) -> float:
    ordered = sorted(latencies)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] if ordered else float("nan")


async def _repeat(client: httpx.AsyncClient, until: float, send: Callable[[], Awaitable[httpx.Response]]) -> list[int]:
    statuses: list[int] = []
    while time.monotonic() < until:
        try:
            statuses.append((await send()).status_code)
        except httpx.HTTPError:
            statuses.append(0)  # the server closed on us: not a 5xx, but counted
    return statuses


def _raw(client: httpx.AsyncClient, body: bytes) -> Callable[[], Awaitable[httpx.Response]]:
    return lambda: client.post("/v1/check", content=body, headers={"content-type": "application/json"})


def nested_surrogates() -> bytes:
    """0.96 MB of nested objects, each level clean, lone surrogates only at the ends."""
    leaf = '{"a": ' * 60 + '"end \\ud83d"' + "}" * 60
    chunk = '{"id": "x", "text": "x", "m": [' + ", ".join([leaf] * 1200) + "]}"
    return chunk.encode()


def _png(side: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("L", (side, side), 90).save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


async def surrogate_attack(client: httpx.AsyncClient, _: int, until: float) -> list[int]:
    return await _repeat(client, until, _raw(client, nested_surrogates()))


async def deep_json_attack(client: httpx.AsyncClient, _: int, until: float) -> list[int]:
    body = b'{"id": "x", "text": "x", "m": ' + b'{"a": ' * 600 + b'"\\ud800"' + b"}" * 600 + b"}"
    return await _repeat(client, until, _raw(client, body))


async def png_attack(client: httpx.AsyncClient, _: int, until: float) -> list[int]:
    image = base64.b64encode(_png(6000)).decode()  # 36 MP in a few hundred KB
    body = json.dumps({"id": "png", "kind": "image", "media": {"base64": image}}).encode()
    results = await asyncio.gather(*(_repeat(client, until, _raw(client, body)) for _ in range(16)))
    return [status for statuses in results for status in statuses]


async def huge_text_attack(client: httpx.AsyncClient, _: int, until: float) -> list[int]:
    words = "the fictional harbour council met again to talk about bread and boats " * 1850  # ~130 KB
    body = json.dumps({"id": "huge", "text": words[:99_000]}).encode()
    return await _repeat(client, until, _raw(client, body))


async def utf8_attack(client: httpx.AsyncClient, _: int, until: float) -> list[int]:
    return await _repeat(client, until, _raw(client, b'{"id": "x", "text": "caf\xe9' + b"\xff" * 50_000 + b'"}'))


async def slow_headers_attack(_: httpx.AsyncClient, port: int, until: float) -> list[int]:
    """200 connections that send a header line now and then and never finish."""
    writers = []
    for _n in range(200):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"POST /v1/check HTTP/1.1\r\nHost: x\r\n")
        writers.append((reader, writer))
    while time.monotonic() < until:
        for _r, writer in writers:
            if not writer.is_closing():
                writer.write(b"X-Slow: 1\r\n")
        await asyncio.sleep(1)
    timed_out = 0
    for reader, writer in writers:
        with contextlib.suppress(TimeoutError, ConnectionError):
            timed_out += b"408" in await asyncio.wait_for(reader.read(200), 0.1)
        writer.close()
    return [408] * timed_out


async def leaving_clients_attack(_: httpx.AsyncClient, port: int, until: float) -> list[int]:
    """Clients that announce a body and leave before sending it."""
    while time.monotonic() < until:
        _reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(
            b"POST /v1/check HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\ncontent-length: 900\r\n\r\n{"
        )
        await writer.drain()
        writer.close()
        await asyncio.sleep(0.01)
    return []  # nobody is left to read an answer: the ordinary traffic and the server's log tell


ATTACKS: dict[str, Attack] = {
    "nested objects ending in lone surrogates (0.96 MB)": surrogate_attack,
    "JSON nested 600 deep": deep_json_attack,
    "16 parallel PNGs of 36 MP": png_attack,
    "99,000-character texts": huge_text_attack,
    "invalid UTF-8": utf8_attack,
    "200 slow-header connections": slow_headers_attack,
    "clients leaving mid-body": leaving_clients_attack,
}


async def _phase(port: int, key: str, seconds: float, clients: int, server: int, attack: Attack | None) -> dict:
    limits = httpx.Limits(max_connections=clients + 20)
    headers = {"Authorization": f"Bearer {key}"}
    base = f"http://127.0.0.1:{port}"
    async with (
        httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=60) as ordinary,
        httpx.AsyncClient(base_url=base, headers=headers, timeout=60) as attacker,
    ):
        until = time.monotonic() + seconds
        latencies: list[float] = []
        statuses: list[int] = []
        peak = 0.0

        async def watch_memory() -> None:
            nonlocal peak
            while time.monotonic() < until + 1:
                peak = max(peak, _rss_mb(server))
                await asyncio.sleep(0.2)

        jobs = [_ordinary(ordinary, until, latencies, statuses) for _ in range(clients)]
        attacked = attack(attacker, port, until) if attack else asyncio.sleep(0, result=[])
        *_, attack_statuses, _watch = await asyncio.gather(*jobs, attacked, watch_memory())
    return {
        "p99_ms": _p99(latencies),
        "requests": len(latencies),
        "ordinary_5xx": sum(s >= 500 for s in statuses),
        "attack_5xx": sum(s >= 500 for s in attack_statuses),
        "attack_requests": len(attack_statuses),
        "attack_answers": _answers(attack_statuses),
        "rss_mb": peak,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--rss-budget-mb", type=float, default=1500)
    parser.add_argument("--only", default="", help="run only the attacks whose name holds this text")
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        server, port, key = _server(Path(tmp), args.workers)
        try:
            wait_ready(port)
            run = lambda attack: asyncio.run(  # noqa: E731
                _phase(port, key, args.seconds, args.clients, server.pid, attack)
            )
            run(None)  # warm up
            base = run(None)
            print(f"unloaded: p99 {base['p99_ms']:.1f} ms over {base['requests']} checks, RSS {base['rss_mb']:.0f} MB")
            failures = 0
            for name, attack in ATTACKS.items():
                if args.only.lower() not in name.lower():
                    continue
                result = run(attack)
                ratio = result["p99_ms"] / base["p99_ms"]
                fine = (
                    ratio <= 2
                    and result["rss_mb"] <= args.rss_budget_mb
                    and result["ordinary_5xx"] + result["attack_5xx"] == 0
                )
                failures += not fine
                print(
                    f"{'ok  ' if fine else 'FAIL'} {name}: ordinary p99 {result['p99_ms']:.1f} ms ({ratio:.2f}x), "
                    f"{result['requests']} checks, peak RSS {result['rss_mb']:.0f} MB, "
                    f"5xx {result['ordinary_5xx']}+{result['attack_5xx']} of {result['attack_requests']} hostile"
                    + (f" ({result['attack_answers']})" if result["attack_answers"] else "")
                )
            alive = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200
            print(f"after every attack, /healthz answers: {alive}; RSS {_rss_mb(server.pid):.0f} MB")
            print(f"load average after: {os.getloadavg()[0]:.2f}")
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=60)
    sys.exit(1 if failures or not alive else 0)


if __name__ == "__main__":
    main()
