"""`POST /v1/check` as platforms send it, answered in one ASGI layer instead of the framework's ten.

The ordinary check (a JSON item of a few KB, from a key seen within the cache's time) is the server's
hottest request, and what lies between the body-limit middleware and the endpoint (the session cookie's
middleware, exception handling, three routers, the request's dependencies) cost as much CPU as reading,
validating and answering the item. This layer answers that request itself with the route's own parts:
the key's grant, the parser, the item's validation, the verdict, and the application's error handlers for
a refused item. Every other request (no key, a key not seen lately or without the scope, a large or
multipart body) goes on to the application with its body, and is answered as before.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bastion.api.auth import Scope as KeyScope
from bastion.api.auth import presented_key
from bastion.api.body_limit import declared_length
from bastion.api.check import READ_ON_LOOP_BYTES, item_from_fields, slowed_if_malformed
from bastion.api.errors import BadRequest, parse_json
from bastion.api.request_log import note_item

_PATH = "/v1/check"


class CheckLane:
    """Answers plain JSON checks itself (`target`: the application whose state and error handlers it uses)."""

    def __init__(self, app: ASGIApp, target: FastAPI) -> None:
        self.app, self.target = app, target

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not _may_take(scope):
            await self.app(scope, receive, send)
            return
        messages = await _read_request(receive)
        replay = _replaying(messages, receive)
        request = Request(scope, replay)
        body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.request")
        platform = self._platform(request) if messages[-1]["type"] == "http.request" else None
        if platform is None or len(body) > READ_ON_LOOP_BYTES:
            await self.app(scope, replay, send)
            return
        await self._check(request, body, platform, send)

    async def _check(self, request: Request, body: bytes, platform: str, send: Send) -> None:
        service = self.target.state.service
        try:
            item = item_from_fields(parse_json(body))  # the route's reading of a JSON body of this size
            note_item(request, item.id)
            verdict = await service.check_async(item, platform, len(body))
            response = Response(verdict.model_dump_json(), media_type="application/json")
        except Exception as error:  # answered by the application's handler for it, as the route's would be
            handler = _handler_for(self.target, error)
            if handler is None:
                raise
            if isinstance(error, BadRequest):
                await slowed_if_malformed(service, error)
            response = await _respond(handler, request, error)
        await response(request.scope, request.receive, send)

    def _platform(self, request: Request) -> str | None:
        """The key's platform, when the key is known (within the cache's time) to hold the scope."""
        key = presented_key(request)
        grant = self.target.state.keys.cached(key.strip()) if key else None
        return grant.platform if grant is not None and KeyScope.CHECK.value in grant.scopes else None


def _may_take(scope: Scope) -> bool:
    """A small JSON body posted to the check, by what the headers say before it is read."""
    if scope["type"] != "http" or scope["path"] != _PATH or scope["method"] != "POST":
        return False
    length = declared_length(scope)
    content_type = next((value for name, value in scope["headers"] if name == b"content-type"), b"")
    return content_type.startswith(b"application/json") and length is not None and length <= READ_ON_LOOP_BYTES


async def _read_request(receive: Receive) -> list[Message]:
    """The request's messages up to its last body part, or up to a disconnect."""
    messages = [await receive()]
    while messages[-1]["type"] == "http.request" and messages[-1].get("more_body", False):
        messages.append(await receive())
    return messages


def _replaying(messages: list[Message], receive: Receive) -> Receive:
    """A `receive` that gives the messages already read, then reads on (a disconnect, for a waiting app)."""
    pending = list(messages)

    async def replay() -> Message:
        return pending.pop(0) if pending else await receive()

    return replay


def _handler_for(app: FastAPI, error: Exception) -> Callable[..., Any] | None:
    """The application's handler for this error, by its class or the nearest base that has one."""
    handlers = app.exception_handlers
    return next((handlers[cls] for cls in type(error).__mro__ if cls in handlers), None)


async def _respond(handler: Callable[..., Any], request: Request, error: Exception) -> Response:
    if inspect.iscoroutinefunction(handler):
        answer: Awaitable[Response] = handler(request, error)
        return await answer
    response: Response = await run_in_threadpool(handler, request, error)
    return response
