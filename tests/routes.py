"""The routes an app serves, read from the app itself: the route-permission tables are checked against them, so
a route added without a row in its table fails a test instead of going untested."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from fastapi import FastAPI


def app_routes(app: FastAPI) -> set[tuple[str, str]]:
    """Every (method, path) the app serves, HEAD aside, with included routers flattened; ("MOUNT", path) for mounts."""
    return set(_flattened(app.routes, ""))


def _flattened(routes: Iterable[Any], prefix: str) -> Iterator[tuple[str, str]]:
    for route in routes:
        if hasattr(route, "original_router"):  # FastAPI keeps an included router as one entry
            yield from _flattened(route.original_router.routes, prefix + route.include_context.prefix)
        elif getattr(route, "methods", None):
            # path_format: as the schema writes it, without a converter (`{symbol_id:int}` is `{symbol_id}`)
            yield from ((method, prefix + route.path_format) for method in route.methods - {"HEAD"})
        else:
            yield "MOUNT", prefix + route.path
