"""`bastion demo` tells a newcomer where to log in: at the port it serves on."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_demo_names_the_port_it_serves_on(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "BASTION_DATA_DIR": str(tmp_path / "data")}
    env.pop("BASTION_DATABASE_URL", None)
    demo = subprocess.Popen(
        [sys.executable, "-m", "bastion", "demo", "--port", str(port)],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        env=env,
        cwd=tmp_path,
        text=True,
    )
    try:
        assert demo.stderr is not None
        said = []
        for line in demo.stderr:  # the login line comes last, just before serving
            said.append(line)
            if "log in at" in line:
                break
    finally:
        demo.kill()
        demo.wait(timeout=30)

    assert said and f"http://127.0.0.1:{port}/login" in said[-1], said
    assert any("bastion-demo-password" in line for line in said)
