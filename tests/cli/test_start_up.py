"""`bastion --help` and the commands that check nothing do not load the detectors, models or hash index."""

from __future__ import annotations

import json
import subprocess
import sys

_HEAVY = ("bastion.service", "bastion.context", "bastion.text.model", "numba", "onnxruntime", "scipy")


def test_the_cli_loads_no_detector_model_or_index_until_a_command_needs_one() -> None:
    probe = f"import sys, json, bastion.cli; print(json.dumps([m for m in {list(_HEAVY)!r} if m in sys.modules]))"
    loaded = json.loads(subprocess.run([sys.executable, "-c", probe], capture_output=True, check=True).stdout)
    assert loaded == []
