"""Throughput of the spine: items/s in-process and /v1/check over loopback.

    .venv/bin/python bench/check_throughput.py [--seconds 15] [--connections 32] [--workers 1 2] [--rate 1000]

Prints items/s through `Service.check` (pipeline + SQLite writes) and,
with wrk (Debian package `wrk`) as the load generator, requests/s and latency
percentiles for `POST /v1/check` with text items against `bastion serve`
(the shipped text model on, micro-batching at its default wait), once for
each number of worker processes given. The machine's load average is
printed beside each figure: on a shared machine it is part of the result.
So is the CPU time each item or request cost (the process's own, and the
server's processes' from /proc), which other jobs on the machine hardly
change: 1,000 requests/s on two cores needs less than 2 ms per request.

Without `--rate`, each connection sends its next request as soon as the last
is answered: the figure is the most the server answers, and its latency is
that of a full queue (by Little's law, connections / throughput). With
`--rate R`, requests arrive as a Poisson process of R per second shared by
the connections (each waits for its slot in one schedule), so the latency is
what a client sees at that load, as long as enough connections are free to
keep the schedule (the achieved rate is printed: below R, they were not).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from serving import free_port, wait_ready

from bastion.core import Item
from bastion.service import Service
from bastion.settings import Settings
from bastion.store.db import Database

TEXTS = [
    "Lovely evening at the lake with friends",
    "Join the crimson dawn brigade before it is too late",
    "The council meets on Tuesday to discuss the new library",
    "Reporters covered the trial of a fictional militia in the novel",
]

_WRK_SCRIPT = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer %s"
counter = 0
texts = {%s}
request = function()
  counter = counter + 1
  local body = string.format('{"id": "w-%%d-%%d", "text": "%%s"}', math.random(1, 1e9), counter,
                             texts[(counter %% #texts) + 1])
  return wrk.format(nil, "/v1/check", nil, body)
end
"""

# Arrivals on one Poisson schedule shared by every connection: each request takes the next slot and waits for
# it, so the rate does not depend on how fast the server answers (wrk's delay() runs before each request).
_WRK_PACING = """
local ffi = require("ffi")
ffi.cdef[[ typedef struct { long tv_sec; long tv_nsec; } bench_timespec; int clock_gettime(int, bench_timespec *); ]]
local clock = ffi.new("bench_timespec")
local mean_gap_ms = %f
local next_slot = nil
delay = function()
  ffi.C.clock_gettime(1, clock)
  local now = tonumber(clock.tv_sec) * 1000 + tonumber(clock.tv_nsec) / 1e6
  if next_slot == nil then next_slot = now end
  next_slot = next_slot - math.log(1 - math.random()) * mean_gap_ms
  return math.max(0, next_slot - now)
end
"""


def in_process(settings: Settings, n: int) -> tuple[float, float]:
    """Items/s and CPU milliseconds per item through `Service.check`, batches of 256."""
    service = Service.from_settings(settings)
    items = [Item(id=f"in-{i}", text=TEXTS[i % len(TEXTS)]) for i in range(n)]
    service.check(items[:100])  # warm up
    started, cpu = time.perf_counter(), time.process_time()
    for start in range(0, n, 256):
        service.check(items[start : start + 256])
    return n / (time.perf_counter() - started), (time.process_time() - cpu) * 1000 / n


def over_http(
    data_dir: Path, seconds: int, connections: int, workers: int, rate: float | None = None
) -> dict[str, float]:
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install wrk")
    settings = Settings(data_dir=data_dir)
    db = Database.from_settings(settings)
    db.migrate()
    with db.transaction() as tx:
        key = tx.keys.create("bench", ["check"], actor="bench").secret
    port = free_port()
    env = {**os.environ, "BASTION_DATA_DIR": str(data_dir)}
    server = subprocess.Popen(
        [sys.executable, "-m", "bastion", "serve", "--port", str(port), "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_ready(port)
        script = Path(data_dir) / "check.lua"
        script.write_text(_WRK_SCRIPT % (key, ", ".join(json.dumps(t) for t in TEXTS)))
        paced = Path(data_dir) / "paced.lua"
        paced.write_text(script.read_text() + (_WRK_PACING % (1000 / rate) if rate else ""))
        subprocess.run(
            ["wrk", "-t1", f"-c{connections}", "-d2s", "-s", str(script), f"http://127.0.0.1:{port}"],
            capture_output=True,
            check=True,
        )  # warm up
        cpu_before = _cpu_seconds(server.pid)
        result = subprocess.run(
            [
                "wrk",
                "-t1",
                f"-c{connections}",
                f"-d{seconds}s",
                "--latency",
                "-s",
                str(paced),
                f"http://127.0.0.1:{port}",
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        figures = _parse_wrk(result.stdout)
        served = figures["requests_per_s"] * seconds
        figures["cpu_ms_per_request"] = (_cpu_seconds(server.pid) - cpu_before) * 1000 / served if served else 0.0
        return figures
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)


def _parse_wrk(output: str) -> dict[str, float]:
    def millis(label: str) -> float:
        match = re.search(rf"{label}\s+([\d.]+)(us|ms|s)\b", output)
        if not match:
            return float("nan")
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "requests_per_s": float(rps.group(1)) if rps else float("nan"),
        "p50_ms": millis("50%"),
        "p99_ms": millis("99%"),
        "non_2xx": float(errors.group(1)) if errors else 0.0,
    }


def _cpu_seconds(root: int) -> float:
    """User and system CPU seconds of a process and its children (`serve --workers N` forks them), from /proc."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended while we looked
            continue
        pid, parent = int(stat.parent.name), int(fields[1])
        if root in (pid, parent):
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=5000)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--rate", type=float, help="requests/s arriving on a schedule (default: as fast as answered)")
    parser.add_argument("--skip-in-process", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if not args.skip_in_process:
            rate, cpu = in_process(Settings(data_dir=Path(tmp) / "in"), args.items)
            print(
                f"in-process: {rate:,.0f} items/s, {cpu:.2f} ms CPU per item (pipeline + SQLite writes, batches of 256)"
            )
        for workers in args.workers:
            load = os.getloadavg()[0]
            http = over_http(Path(tmp) / f"http-{workers}", args.seconds, args.connections, workers, args.rate)
            offered = f", {args.rate:,.0f} req/s offered" if args.rate else ""
            processes = f"{workers} worker{'s' if workers > 1 else ''}"
            print(
                f"HTTP /v1/check ({processes}, {args.connections} connections{offered}, wrk): "
                f"{http['requests_per_s']:,.0f} req/s, p50 {http['p50_ms']:.1f} ms, p99 {http['p99_ms']:.1f} ms, "
                f"non-2xx {http['non_2xx']:.0f}, server CPU {http['cpu_ms_per_request']:.2f} ms per request; "
                f"load average {load:.1f} before, {os.getloadavg()[0]:.1f} after"
            )


if __name__ == "__main__":
    main()
