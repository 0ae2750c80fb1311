"""Run by `bastion.media.video` in a child process: vPDQ of one file, as JSON on stdout.

    python -m bastion.media._vpdq_child VIDEO

Kept apart so a decoder crash or hang in native code ends one child process
(killed on timeout by the parent), never the server.
"""

from __future__ import annotations

import json
import sys

import vpdq


def main(path: str) -> None:
    # Full-size frames, as ThreatExchange's own vPDQ hashes are made, so hashes compare across tools.
    features = vpdq.computeHash(path, seconds_per_hash=1.0, thread_count=1)
    print(json.dumps([[f.hex, int(f.quality), round(float(f.timestamp), 3)] for f in features]))


if __name__ == "__main__":
    main(sys.argv[1])
