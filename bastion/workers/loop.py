"""A job that `serve` runs beside the API: now and then, and at once when woken."""

from __future__ import annotations

import threading
from collections.abc import Callable

import structlog

log = structlog.get_logger(__name__)


class PeriodicWorker:
    """Runs `job` in a daemon thread every `interval` seconds and whenever `wake` is called.

    `run_once` may also be called from a request thread; runs never overlap, so a
    job need not guard against itself. A failing run is logged and the loop goes
    on: whatever the job had not finished is still there for the next run.
    """

    def __init__(self, name: str, job: Callable[[], object], interval: float) -> None:
        self.name, self._job, self._interval = name, job, interval
        self._wake, self._stopping = threading.Event(), threading.Event()
        self._one_run = threading.Lock()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def wake(self) -> None:
        self._wake.set()

    def run_once(self) -> None:
        with self._one_run:
            self._job()

    def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                self.run_once()
            except Exception:  # a database or network hiccup must not end the loop
                log.exception("worker_run_failed", worker=self.name)
            self._wake.wait(self._interval)
            self._wake.clear()
