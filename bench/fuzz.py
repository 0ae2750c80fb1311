"""The long schemathesis run: every check, the project's own OpenAPI, against `bastion serve` for real.

    .venv/bin/python bench/fuzz.py [--minutes 5] [--workers 1] [--seed N]   (`make fuzz` runs it niced)

Starts `bastion serve` on a fresh SQLite data directory with a key of every
scope, then runs `schemathesis run` over HTTP for the given time with all
checks but one (`positive_data_acceptance`: rules no JSON Schema can say,
such as an id of printable characters or media that decodes as an image,
answer 422 as documented; tests/api/test_schemathesis.py leaves it out for
the same reason). Prints schemathesis' summary, the server's log lines of any
5xx, and exits non-zero when schemathesis found a failure. The suite runs a
short in-process version of the same (tests/api/test_schemathesis.py).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from serving import free_port, wait_ready

from bastion.api.scopes import Scope
from bastion.settings import Settings
from bastion.store.db import Database

_LEFT_OUT = "positive_data_acceptance"


def _key(data_dir: Path) -> str:
    db = Database.from_settings(Settings(data_dir=data_dir))
    db.migrate()
    with db.transaction() as tx:
        key = tx.keys.create("fuzz", list(Scope), actor="bench").secret
    db.dispose()
    return key


def _server_errors(log: Path, since: int) -> list[str]:
    """The server's request lines after byte `since` (its warm-up's 503s from /readyz come before) that answered
    5xx (one JSON line per request)."""
    with log.open("rb") as lines:
        lines.seek(since)
        return [line for line in lines.read().decode(errors="replace").splitlines() if '"status": 5' in line]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=5.0, help="time budget of the run")
    # One by default: with two, Hypothesis parsing lambdas' source in two threads hit a CPython 3.11 ast error.
    parser.add_argument("--workers", type=int, default=1, help="schemathesis' concurrent workers")
    parser.add_argument("--seed", type=int, default=None, help="schemathesis' random seed (to reproduce a run)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bastion-fuzz-") as tmp:
        data_dir, log = Path(tmp) / "data", Path(tmp) / "server.log"
        key, port = _key(data_dir), free_port()
        env = {**os.environ, "BASTION_DATA_DIR": str(data_dir)}
        env.pop("BASTION_DATABASE_URL", None)
        with log.open("wb") as server_log:
            server = subprocess.Popen(
                [sys.executable, "-m", "bastion", "serve", "--port", str(port)], env=env, stderr=server_log
            )
        try:
            wait_ready(port)
            since = log.stat().st_size
            command = [
                str(Path(sys.executable).parent / "schemathesis"),
                "run",
                f"http://127.0.0.1:{port}/openapi.json",
                "--checks=all",
                f"--exclude-checks={_LEFT_OUT}",
                f"--max-time={int(args.minutes * 60)}",
                f"--workers={args.workers}",
                f"--header=Authorization: Bearer {key}",
                "--suppress-health-check=all",
                "--request-timeout=60",
                *([f"--seed={args.seed}"] if args.seed is not None else []),
            ]
            started = time.monotonic()
            code = subprocess.run(command, check=False).returncode
            print(f"\nschemathesis ran {time.monotonic() - started:.0f} s, exit status {code}")
        finally:
            server.terminate()
            server.wait(timeout=60)
        errors = _server_errors(log, since)
        print(f"server answers 5xx: {len(errors)}")
        for line in errors[:20]:
            print("  " + line[:400])
        return code or (1 if errors else 0)


if __name__ == "__main__":
    sys.exit(main())
