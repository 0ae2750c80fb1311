"""Refuse request bodies over `max_body_bytes` on every route, before a router reads them in full.

Routes that let FastAPI parse the body would otherwise read any size into
memory. The limit is read per request, so a changed setting applies at once.
The 413 has the same shape `/v1/check` has always answered with.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bastion.api.errors import problem


class BodyTooLarge(Exception):
    """Raised into the app from `receive` once the body passes the limit."""


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, limit: Callable[[], int]) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit()
        declared = declared_length(scope)
        if declared is not None and declared > limit:
            await _too_large(f"the body is {declared} bytes; the limit is {limit}")(scope, receive, send)
            return
        guard = _StreamGuard(receive, send, limit)
        try:
            await self.app(scope, guard.receive, guard.send)
        except Exception:
            if not guard.exceeded or guard.started:
                raise
        if guard.exceeded and not guard.started:
            await _too_large(f"the body is over the limit of {limit} bytes")(scope, receive, send)


class _StreamGuard:
    """Counts a streamed (chunked) body; once over the limit, the app's own answer is dropped for the 413.

    The app may turn the error raised into its `receive` into a response of its
    own (FastAPI answers 400 "error parsing the body"): that is why `send` holds
    back whatever comes after the limit was passed.
    """

    def __init__(self, receive: Receive, send: Send, limit: int) -> None:
        self._receive, self._send, self._limit = receive, send, limit
        self.size, self.exceeded, self.started = 0, False, False

    async def receive(self) -> Message:
        if self.exceeded:
            raise BodyTooLarge
        message = await self._receive()
        if message["type"] == "http.request":
            self.size += len(message.get("body", b""))
            if self.size > self._limit:
                self.exceeded = True
                raise BodyTooLarge
        return message

    async def send(self, message: Message) -> None:
        if self.exceeded and not self.started:
            return
        if message["type"] == "http.response.start":
            self.started = True
        await self._send(message)


def declared_length(scope: Scope) -> int | None:
    """The body's length as its `Content-Length` header gives it; None without one (a chunked body)."""
    for name, value in scope["headers"]:
        if name == b"content-length" and value.isdigit():
            return int(value)
    return None


def _too_large(message: str) -> ASGIApp:
    return problem(413, "body_too_large", message)
