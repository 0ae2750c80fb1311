"""Every bad request gets a 4xx with a sentence that says what is wrong."""

from __future__ import annotations

import re
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import iter_route_contexts
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.routing import Mount, compile_path

from bastion.core import ContentError
from bastion.store.db import DatabaseUnavailable
from bastion.wire import MalformedJSON, loads

log = structlog.get_logger(__name__)
# What a client may do about a 503: the database is back within seconds, or a stalled writer was ended meanwhile.
RETRY_AFTER_SECONDS = 1


class BadRequest(Exception):
    def __init__(self, status: int, error: str, message: str, details: list[dict[str, Any]] | None = None):
        super().__init__(message)
        self.status, self.error, self.message, self.details = status, error, message, details or []


def problem(status: int, error: str, message: str, details: list[dict[str, Any]] | None = None) -> JSONResponse:
    body: dict[str, Any] = {"error": error, "message": message}
    if details:
        body["details"] = details
    return JSONResponse(body, status_code=status)


def field_errors(error: ValidationError | RequestValidationError) -> list[dict[str, Any]]:
    return [
        {"field": ".".join(str(part) for part in e["loc"] if part != "body") or "(item)", "problem": e["msg"]}
        for e in error.errors()
    ]


def invalid_utf8(error: UnicodeDecodeError) -> BadRequest:
    """The one answer to bytes that are not UTF-8, whichever endpoint and parser met them."""
    return BadRequest(400, "invalid_utf8", f"the body is not valid UTF-8 (byte {error.start})")


def parse_json(raw: bytes) -> Any:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise invalid_utf8(error) from None
    try:
        return loads(text)
    except MalformedJSON as error:
        raise BadRequest(400, "malformed_json", str(error)) from None


def install(app: FastAPI) -> None:
    @app.exception_handler(BadRequest)
    async def _bad_request(_: Request, error: BadRequest) -> JSONResponse:
        return problem(error.status, error.error, error.message, error.details)

    @app.exception_handler(ValidationError)
    async def _invalid(_: Request, error: ValidationError) -> JSONResponse:
        details = field_errors(error)
        return problem(422, "invalid_item", _summary(details), details)

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(_: Request, error: RequestValidationError) -> JSONResponse:
        undecodable = next((e for e in error.errors() if e.get("type") == "json_invalid"), None)
        if undecodable:  # the same answer as /v1/check gives, wherever FastAPI parsed the body
            reason = (undecodable.get("ctx") or {}).get("error", "JSON decode error")
            return problem(400, "malformed_json", f"malformed JSON: {reason} at character {undecodable['loc'][-1]}")
        details = field_errors(error)
        return problem(422, "invalid_request", _summary(details), details)

    @app.exception_handler(ContentError)
    async def _bad_content(_: Request, error: ContentError) -> JSONResponse:
        return problem(422, "invalid_content", str(error))

    @app.exception_handler(DatabaseUnavailable)
    async def _database_unavailable(_: Request, error: DatabaseUnavailable) -> JSONResponse:
        # A retryable condition, not a fault of the request or a bug: the platform retries the check (a retried
        # check is a re-check of the same item, never a second item or case).
        log.warning("database_unavailable", error=str(error))
        response = problem(
            503, "database_unavailable", "the database could not take the request (away, busy or full); retry it"
        )
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

    @app.exception_handler(ClientDisconnect)
    async def _gone(request: Request, _: ClientDisconnect) -> Response:
        # The client left while its body was being read: nobody to answer, nothing went wrong here
        # (this was a 4.8 KB traceback in the log). Its request line still says so.
        return Response(status_code=499)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> JSONResponse:
        if isinstance(error.__cause__, UnicodeDecodeError):  # FastAPI's own body parser met bytes not UTF-8
            utf8 = invalid_utf8(error.__cause__)
            return problem(utf8.status, utf8.error, utf8.message)
        response = problem(error.status_code, "http_error", str(error.detail))
        for name, value in (error.headers or {}).items():
            response.headers[name] = value
        if error.status_code == 405:
            response.headers["Allow"] = ", ".join(allowed_methods(request))
        return response


def _summary(details: list[dict[str, Any]]) -> str:
    return "; ".join(f"{d['field']}: {d['problem']}" for d in details[:5])


def allowed_methods(request: Request) -> list[str]:
    """Every method some route serves at this path (RFC 9110 §15.5.6). Starlette's 405 names only the first
    route's methods, and FastAPI makes one route per method: GET /v1/banks answered a POST with `Allow: GET`.
    The routes' patterns and methods are read once per app: trying each method against every route, as
    routing would, cost 2.5 ms of CPU for every 405, a cheap request for a client to make the server pay for."""
    path = request.scope["path"]
    table = _method_table(request.app)
    return sorted({method for pattern, methods in table if pattern.match(path) for method in methods})


_STATIC = frozenset({"GET", "HEAD"})


def _method_table(app: FastAPI) -> list[tuple[re.Pattern[str], frozenset[str]]]:
    table: list[tuple[re.Pattern[str], frozenset[str]]] | None = getattr(app.state, "method_table", None)
    if table is None:
        table = [
            (compile_path(route.path)[0], frozenset(route.methods))
            for route in iter_route_contexts(app.routes)
            if route.path and route.methods
        ]
        # The mounts serve static files (the pages' assets, /docs's), which answer GET and HEAD.
        table += [(route.path_regex, _STATIC) for route in app.routes if isinstance(route, Mount)]
        app.state.method_table = table
    return table
