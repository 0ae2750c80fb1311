"""The OpenAPI schema says what the server does: every error an operation can answer, in one shape.

FastAPI writes only the success and 422 of each operation. The errors that
come from the layers around the routes (the body limit, the JSON reader,
authentication, scopes, lookups by id, the database) are added here from
what each operation is: one that reads a body can answer 400, 413 and 415;
one behind a key 401, 403 and 503 (its key and its work are the database's);
one that names a thing in its path 404. An integrator (and schemathesis) can
then tell a documented refusal from a surprise.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

PROBLEM = {
    "type": "object",
    "required": ["error", "message"],
    "properties": {
        "error": {"type": "string", "description": "a stable code: `malformed_json`, `invalid_utf8`, ..."},
        "message": {"type": "string", "description": "what is wrong, in a sentence"},
        "details": {"type": "array", "items": {"type": "object"}},
    },
}
_WHY = {
    "400": "malformed JSON, JSON nested too deeply, or a body that is not UTF-8",
    "401": "no API key, or an unknown or revoked one",
    "403": "the key lacks the scope this operation needs",
    "404": "nothing of that name or id that this caller may see",
    "409": "it exists already",
    "413": "the body is over `BASTION_MAX_BODY_BYTES`",
    "415": "a content type this operation does not read",
    "422": "the request is well-formed JSON but not a valid one",
    "503": "the database could not take the request (away, busy, full, or a lock held by a stalled writer): retry",
}
# Operations that answer 409: creating a bank (of hashes or symbols) whose name is taken, adding an entry or a
# symbol a bank holds already, appealing or complaining twice (or about a notice not decided); and those that
# look up what their body names (404): an appeal's or a complaint's item, a complaint's notice.
_CONFLICTS = {
    ("post", "/v1/banks"),
    ("post", "/v1/banks/{name}/entries"),
    ("post", "/v1/appeals"),
    ("post", "/v1/complaints"),
    ("post", "/v1/symbols/banks"),
    ("post", "/v1/symbols/banks/{name}/symbols"),
    ("post", "/v1/symbols/banks/{name}/import"),
}
_LOOKUPS = {("post", "/v1/appeals"), ("post", "/v1/complaints")}


def install(app: FastAPI) -> None:
    """Build the schema once, with the errors added, and serve that."""

    def schema() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            app.openapi_schema = with_errors(spec)
        return app.openapi_schema

    app.openapi = schema  # type: ignore[method-assign]


def with_errors(spec: dict[str, Any]) -> dict[str, Any]:
    spec.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM
    for path, operations in spec.get("paths", {}).items():
        for method, operation in operations.items():
            for status in _statuses(method, path, operation):
                _document(operation, status)
    return spec


def _statuses(method: str, path: str, operation: dict[str, Any]) -> list[str]:
    statuses = []
    if "requestBody" in operation:
        statuses += ["400", "413", "415", "422"]
    if operation.get("security"):
        statuses += ["401", "403", "503"]
    if "{" in path or (method, path) in _LOOKUPS:
        statuses += ["404", "422"]
    if any(p.get("in") == "query" for p in operation.get("parameters", [])):
        statuses.append("422")
    if (method, path) in _CONFLICTS:
        statuses.append("409")
    return statuses


def _document(operation: dict[str, Any], status: str) -> None:
    responses = operation.setdefault("responses", {})
    if status in responses and status != "422":
        return
    responses[status] = {
        "description": _WHY[status],
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
