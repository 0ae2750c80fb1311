"""The DSA Transparency Database's API as Bastion uses it (DSA Art 24(5); endpoints from the brief §3.1, read from
the Commission's own application): `POST /statements` takes 1 to 100 statements, all or none; `GET
/statement/existing-puid/{puid}` answers 302 when a statement with that puid is stored, 404 when not."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx


class TdbUnreachable(Exception):
    """The call timed out or never connected: whether the statements arrived is unknown."""


@dataclass(frozen=True)
class TdbAnswer:
    status: int
    body: dict[str, Any]
    retry_after: float | None  # seconds, from a 429's Retry-After


class TransparencyDatabase:
    """A client of the Commission's API with the platform's token (`Authorization: Bearer`)."""

    def __init__(self, base_url: str, token: str, timeout: float) -> None:
        self._client = httpx.Client(
            base_url=base_url.rstrip("/"),
            timeout=timeout,
            follow_redirects=False,  # the puid lookup answers "found" with a 302
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
        )

    def submit(self, statements: list[dict[str, Any]]) -> TdbAnswer:
        """Send one batch; TdbUnreachable when no answer came."""
        return self._call("POST", "/statements", json={"statements": statements})

    def exists(self, puid: str) -> bool:
        """Whether a statement with this puid is stored; TdbUnreachable, or RuntimeError on any other answer."""
        answer = self._call("GET", f"/statement/existing-puid/{quote(puid, safe='')}")
        if answer.status in (302, 404):
            return answer.status == 302
        raise RuntimeError(f"the puid lookup answered {answer.status}")

    def close(self) -> None:
        self._client.close()

    def _call(self, method: str, path: str, json: Any = None) -> TdbAnswer:
        try:
            response = self._client.request(method, path, json=json)
        except (httpx.TimeoutException, httpx.NetworkError) as error:
            raise TdbUnreachable(f"{type(error).__name__}: {error}") from None
        try:
            body = response.json()
        except ValueError:
            body = {}
        return TdbAnswer(response.status_code, body if isinstance(body, dict) else {}, _seconds(response))


def _seconds(response: httpx.Response) -> float | None:
    raw = response.headers.get("Retry-After")
    if raw is None:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        return None  # an HTTP date: rare; the default wait applies
