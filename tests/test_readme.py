"""The README's examples, pasted in order into one shell on a fresh copy of the repository, work.

Every ```sh block runs, in order, in one `bash -euo pipefail` session, except a
block right after a `<!-- not run by tests: REASON -->` comment (the set-up
commands themselves, a full training run). The copy holds the working tree's
files and `../shared` beside it, as a clone does; the server the README starts
listens on a free port instead of 8000.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
SHARED = ROOT.parent / "shared"
_BLOCK = re.compile(r"(?P<before>[^\n]*)\n```sh\n(?P<body>.*?)\n```", re.DOTALL)
_NOT_RUN = re.compile(r"<!-- not run by tests: (?P<reason>[^>]+) -->")


def readme_blocks(text: str) -> tuple[list[str], list[str]]:
    """The blocks to run, and the reasons given for those that are not."""
    run, skipped = [], []
    for match in _BLOCK.finditer(text):
        reason = _NOT_RUN.search(match["before"])
        if reason:
            skipped.append(reason["reason"])
        else:
            run.append(match["body"])
    return run, skipped


def test_blocks_are_found_and_skips_need_a_reason() -> None:
    text = "intro\n```sh\necho one\n```\n<!-- not run by tests: slow -->\n```sh\nsleep 999\n```\n"
    assert readme_blocks(text) == (["echo one"], ["slow"])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _fresh_copy(target: Path) -> Path:
    """The repository's files as a clone has them (tracked and new, nothing ignored), with ../shared beside."""
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.decode()
    repo = target / "bastion"
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, repo / name)
    (target / "shared").symlink_to(SHARED)
    return repo


@pytest.mark.slow
@pytest.mark.skipif(not SHARED.is_dir(), reason="needs ../shared beside the repository")
def test_every_readme_example_works_in_order(tmp_path: Path) -> None:
    blocks, skipped = readme_blocks((ROOT / "README.md").read_text(encoding="utf-8"))
    assert len(blocks) >= 5 and all(skipped)
    repo = _fresh_copy(tmp_path)
    port = str(_free_port())
    script = "trap 'kill $(jobs -p) 2>/dev/null || true' EXIT\n" + "\n".join(
        block.replace("8000", port) for block in blocks
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("BASTION_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, f"stdout:\n{result.stdout[-4000:]}\nstderr:\n{result.stderr[-4000:]}"
