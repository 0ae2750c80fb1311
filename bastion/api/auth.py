"""Platform authentication and scopes: `Authorization: Bearer <key>` or `X-API-Key: <key>`.

Every endpoint declares the one scope it needs with `require_scope`: no key
or an unknown one is 401, a live key without the scope is 403
`insufficient_scope`. The scope is part of each operation's OpenAPI
`security` requirement (OpenAPI 3.1 lets non-OAuth schemes list the roles
an operation needs), so integrators see it in /openapi.json and /docs.
"""

import time
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import HTTPException, Request, Security, status
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from fastapi.security.utils import get_authorization_scheme_param
from starlette.concurrency import run_in_threadpool

from bastion.api.errors import BadRequest
from bastion.api.scopes import MEANING, Scope
from bastion.store.authorities import AuthorityGrant
from bastion.store.db import Database
from bastion.store.keys import KeyGrant

# A verified key is trusted for this long before it is looked up again, so a
# revoked key (or a changed scope) takes effect within this time without a
# query per request.
_CACHE_SECONDS = 30.0

_SCOPES_TEXT = "; ".join(f"`{scope.value}`: {meaning}" for scope, meaning in MEANING.items())
_BEARER = HTTPBearer(
    scheme_name="ApiKey",
    description=f"A platform API key (`bastion keys create`). Each operation names the scope it needs: {_SCOPES_TEXT}.",
    auto_error=False,
)
_HEADER = APIKeyHeader(
    name="X-API-Key",
    scheme_name="ApiKeyHeader",
    description="The same key in a header of its own, with the same scopes.",
    auto_error=False,
)

# Authorities are principals of their own (TCO Art 3(5): an authenticated sender), never a platform's key.
_AUTHORITY = HTTPBearer(
    scheme_name="AuthorityKey",
    description="A competent authority's credential (`bastion authorities create`): removal orders only. "
    "Platform API keys are refused here with 403.",
    auto_error=False,
)


class KeyCache:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._seen: dict[str, tuple[KeyGrant, float]] = {}

    def cached(self, key: str) -> KeyGrant | None:
        """What the key grants, when it was verified within the cache's time; None means "look it up"."""
        cached = self._seen.get(key)
        if cached and time.monotonic() - cached[1] < _CACHE_SECONDS:
            return cached[0]
        return None

    def grant(self, key: str) -> KeyGrant | None:
        """What the key grants (platform and scopes), or None when it is unknown or revoked."""
        cached = self.cached(key)
        if cached is not None:
            return cached
        now = time.monotonic()
        with self._db.snapshot() as tx:
            grant = tx.keys.lookup(key)
        if grant is None:
            self._seen.pop(key, None)
        else:
            self._seen[key] = (grant, now)
        return grant


def require_scope(scope: Scope) -> Callable[..., Awaitable[str]]:
    """A FastAPI dependency giving the calling platform's name when its key holds `scope`; 401 or 403 otherwise."""

    # The annotations are evaluated here, not postponed: FastAPI reads them from
    # the signature, and they name this call's `scope`.
    async def platform_with_scope(
        request: Request,
        bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_BEARER, scopes=[scope.value])],
        header: Annotated[str | None, Security(_HEADER, scopes=[scope.value])],
    ) -> str:
        return await platform_holding(request, scope, bearer.credentials if bearer else header)

    return platform_with_scope


async def platform_holding(request: Request, scope: Scope, key: str | None) -> str:
    """The platform whose key this is, when the key holds `scope`; 401 or 403 otherwise.

    Async, so that the hot path (a key seen within the cache's time) costs no thread hop; a lookup in the
    database goes to the thread pool.
    """
    grant: KeyGrant | None = request.app.state.keys.cached(key.strip()) if key else None
    if grant is None:
        grant = await run_in_threadpool(_grant, request, key)
    if scope.value not in grant.scopes:
        raise BadRequest(
            403,
            "insufficient_scope",
            f"this key lacks the scope '{scope.value}'",
            [{"required": scope.value, "granted": sorted(grant.scopes)}],
        )
    return grant.platform


def presented_key(request: Request) -> str | None:
    """The key as `require_scope`'s two schemes read it: `Authorization: Bearer <key>`, else `X-API-Key`."""
    scheme, credentials = get_authorization_scheme_param(request.headers.get("Authorization"))
    if scheme.lower() == "bearer" and credentials:
        return credentials
    return request.headers.get("X-API-Key") or None


def key_security(scope: Scope) -> dict[str, Any]:
    """The OpenAPI `security` that `require_scope(scope)` gives an operation, for one that checks its key
    itself with `presented_key` and `platform_holding`."""
    return {"security": [{_BEARER.scheme_name: [scope.value]}, {_HEADER.scheme_name: [scope.value]}]}


def _grant(request: Request, key: str | None) -> KeyGrant:
    if not key:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "missing API key: send 'Authorization: Bearer <key>'",
            headers={"WWW-Authenticate": "Bearer"},
        )
    grant: KeyGrant | None = request.app.state.keys.grant(key.strip())
    if grant is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "unknown or revoked API key", headers={"WWW-Authenticate": "Bearer"}
        )
    return grant


def require_authority(
    request: Request,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_AUTHORITY)],
    header: Annotated[str | None, Security(_HEADER)],
) -> AuthorityGrant:
    """The authority presenting its credential; 401 for none or an unknown one, 403 for a platform's key."""
    credential = (bearer.credentials if bearer else header or "").strip()
    if not credential:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "missing authority credential: send 'Authorization: Bearer <credential>'",
            headers={"WWW-Authenticate": "Bearer"},
        )
    with request.app.state.db.snapshot() as tx:
        grant: AuthorityGrant | None = tx.authorities.lookup(credential)
    if grant is not None:
        return grant
    if request.app.state.keys.grant(credential) is not None:
        raise BadRequest(
            403,
            "not_an_authority",
            "a platform API key cannot send or read removal orders: authorities use their own credential",
        )
    raise HTTPException(
        status.HTTP_401_UNAUTHORIZED, "unknown or revoked authority credential", headers={"WWW-Authenticate": "Bearer"}
    )
