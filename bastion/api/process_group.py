"""`bastion serve --workers N` as one group: a worker process dies with the parent that supervises it.

uvicorn's workers are spawned children of the process that holds the
listening socket. When that parent is killed outright (`kill -9`, the OOM
killer), nothing told them: they kept serving on the port, orphaned, and a
restarted server could not bind it. On Linux each worker asks the kernel
for SIGTERM when its parent dies (prctl PR_SET_PDEATHSIG, see prctl(2)); elsewhere
a thread watches the parent's pid. SIGTERM lets uvicorn finish the
requests in flight, as on any shutdown.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import multiprocessing
import os
import signal
import sys
import threading

_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
_WATCH_SECONDS = 1.0


def die_with_parent() -> None:
    """In a worker process of `serve --workers N`: end when the parent ends. A single process has no parent
    to follow (its parent is the shell or a service manager) and is left alone."""
    parent = multiprocessing.parent_process()
    if parent is None or parent.pid is None:
        return
    if not _ask_kernel(signal.SIGTERM):
        threading.Thread(target=_watch, args=(parent.pid,), name="bastion-parent-watch", daemon=True).start()
    if os.getppid() != parent.pid:  # the parent died before we asked: nobody will signal us
        os.kill(os.getpid(), signal.SIGTERM)


def _ask_kernel(signum: int) -> bool:
    if not sys.platform.startswith("linux"):
        return False
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name, use_errno=True)
        return bool(libc.prctl(_PR_SET_PDEATHSIG, signum, 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


def _watch(parent: int) -> None:
    stopped = threading.Event()
    while not stopped.wait(_WATCH_SECONDS):
        if os.getppid() != parent:
            os.kill(os.getpid(), signal.SIGTERM)
            return
