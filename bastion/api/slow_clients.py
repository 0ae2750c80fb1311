"""Deadlines for slow clients, in the HTTP protocol itself: headers, then the body, each within a time.

Without them one client held a connection (a socket, a task, memory) for as
long as it liked by sending a byte now and then: 500 such connections were
held 60 s. uvicorn bounds only the idle time between requests
(`timeout_keep_alive`); this protocol adds the two deadlines it lacks. A
request too slow to arrive gets `408 Request Timeout` and the connection is
closed; the app, if it was already reading the body, sees the client gone.
"""

from __future__ import annotations

import asyncio
from functools import cache

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from bastion.settings import Settings

_TIMEOUT_RESPONSE = (
    b"HTTP/1.1 408 Request Timeout\r\n"
    b"content-type: application/json\r\n"
    b"connection: close\r\n"
    b"content-length: %d\r\n\r\n%s"
)


@cache
def _deadlines() -> tuple[float, float]:
    """(headers, body) in seconds, from the environment each worker process inherits."""
    settings = Settings()
    return settings.header_timeout_seconds, settings.body_timeout_seconds


def timeout_response(what: str, seconds: float) -> bytes:
    body = b'{"error": "request_timeout", "message": "the request\'s %s did not arrive within %g seconds"}' % (
        what.encode(),
        seconds,
    )
    return _TIMEOUT_RESPONSE % (len(body), body)


class DeadlineProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a deadline for each request's headers and one for its body."""

    _deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm("headers", _deadlines()[0])

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._arm("headers", _deadlines()[0])

    def on_headers_complete(self) -> None:
        self._arm("body", _deadlines()[1])
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._disarm()
        super().on_message_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self, what: str, seconds: float) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(seconds, self._too_slow, what, seconds)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self, what: str, seconds: float) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        if self.cycle is None or not self.cycle.response_started:
            self.transport.write(timeout_response(what, seconds))
        self.transport.close()
