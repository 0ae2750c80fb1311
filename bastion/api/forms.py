"""Multipart forms whose plain fields keep their bytes, so that text that is not UTF-8 is refused, not guessed.

Starlette's parser decodes a field that is not valid UTF-8 as latin-1 without
a word: the `item` field of a multipart `POST /v1/check` then became some
other text, where the same item as a JSON body gets `invalid_utf8`. This
parser is Starlette's, keeping each plain field's bytes beside it.
"""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request


class _RawFieldParser(MultiPartParser):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.raw_fields: dict[str, bytes] = {}

    def on_part_end(self) -> None:
        part = self._current_part
        if part.file is None:
            self.raw_fields[part.field_name] = bytes(part.data)
        super().on_part_end()


async def read_form(request: Request, max_files: int, max_fields: int) -> tuple[FormData, dict[str, bytes]]:
    """The form (as `request.form()` reads it, with its 400 on a malformed body) and each plain field's bytes."""
    parser = _RawFieldParser(request.headers, request.stream(), max_files=max_files, max_fields=max_fields)
    try:
        form = await parser.parse()
    except MultiPartException as error:
        raise HTTPException(status_code=400, detail=error.message) from None
    return form, parser.raw_fields
