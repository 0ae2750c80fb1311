"""`POST /v1/check`: an item in, a verdict out."""

from __future__ import annotations

import base64
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from bastion.api.auth import Scope, key_security, platform_holding, presented_key
from bastion.api.errors import BadRequest, field_errors, parse_json
from bastion.api.forms import read_form
from bastion.api.request_log import note_item
from bastion.core import MAX_METADATA_VALUES, Item, Verdict
from bastion.service import Service

router = APIRouter(tags=["check"])

# A body up to this size is read on the event loop: at most about 2.5 ms for the most hostile (lists nested
# up to the metadata limit), and a hop to a thread cost 0.15-0.3 ms of the loop's CPU per request, as much
# as reading a refused 4 KB body itself. A thread does not free the loop while the JSON parser and pydantic
# hold the interpreter lock; it only lets the loop in between the walks over what they built.
READ_ON_LOOP_BYTES = 8 * 1024

_ITEM_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": Item.model_json_schema(ref_template="#/components/schemas/{model}")},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["item"],
                    "properties": {
                        "item": {"type": "string", "description": "the item as JSON, without media"},
                        "media": {"type": "string", "format": "binary"},
                    },
                }
            },
        },
    }
}


@router.post(
    "/v1/check",
    response_model=Verdict,
    openapi_extra={**_ITEM_BODY, **key_security(Scope.CHECK)},
    summary="Check one item and return the verdict with its evidence",
)
async def check(request: Request) -> Response:
    # The key is read here, not by a `require_scope` dependency: FastAPI's solving of the two security
    # schemes cost 110 µs a request, a quarter of the HTTP layer's CPU on the hottest route.
    platform = await platform_holding(request, Scope.CHECK, presented_key(request))
    body = await request.body()  # BodyLimitMiddleware has refused anything over the limit
    # Reading a large body takes a while (0.96 MB of nested objects: a second on a busy machine): off the loop.
    big = len(body) > READ_ON_LOOP_BYTES
    try:
        fields = await _fields(request, body, big)
    except BadRequest as error:
        await slowed_if_malformed(request.app.state.service, error)
        raise
    item = await run_in_threadpool(item_from_fields, fields) if big else item_from_fields(fields)
    note_item(request, item.id)
    verdict = await request.app.state.service.check_async(item, platform, len(body))
    return Response(verdict.model_dump_json(), media_type="application/json")


async def slowed_if_malformed(service: Service, error: BadRequest) -> None:
    """Not JSON, not UTF-8 (400): the sender waits, not the ordinary checks (`Service.yield_to_checks`)."""
    if error.status == 400:
        await service.yield_to_checks()


async def _fields(request: Request, body: bytes, big: bool) -> Any:
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        return await _multipart_fields(request)
    if content_type.startswith("application/json") or not content_type:
        if body.count(b"{") > 2 * MAX_METADATA_VALUES:
            # More objects than an item may hold, counted before parsing (which takes the interpreter for
            # a second at 0.96 MB); braces inside strings count too, hence the slack.
            raise BadRequest(422, "invalid_item", f"an item holds at most {MAX_METADATA_VALUES} metadata values")
        return await run_in_threadpool(parse_json, body) if big else parse_json(body)
    raise BadRequest(
        415, "unsupported_media_type", f"send application/json or multipart/form-data, not {content_type!r}"
    )


def item_from_fields(fields: Any) -> Item:
    if not isinstance(fields, dict):
        raise BadRequest(422, "invalid_item", f"an item is a JSON object, not {type(fields).__name__}")
    try:
        item = Item.model_validate(fields)
    except ValidationError as error:
        details = field_errors(error)
        raise BadRequest(
            422, "invalid_item", "; ".join(f"{d['field']}: {d['problem']}" for d in details[:5]), details
        ) from None
    if item.media is not None and item.media.path is not None and item.media.data() is None:
        # The server never opens a path a client names; only `bastion scan` reads files, beside its input.
        raise BadRequest(422, "invalid_item", "media.path is read by `bastion scan` only; send media.base64 or upload")
    return item


async def _multipart_fields(request: Request) -> dict[str, Any]:
    form, raw_fields = await read_form(request, max_files=1, max_fields=4)
    if not isinstance(form.get("item"), str):
        raise BadRequest(422, "invalid_item", "multipart requests need an 'item' field holding the item as JSON")
    fields = parse_json(raw_fields["item"])  # its bytes: not UTF-8 is `invalid_utf8`, as in a JSON body
    upload = form.get("media")
    if isinstance(upload, UploadFile):
        data = await upload.read()
        if not data:
            raise BadRequest(422, "invalid_content", "the uploaded media file is empty")
        if isinstance(fields, dict):
            fields["media"] = {"base64": base64.b64encode(data).decode(), "content_type": upload.content_type}
    return fields
