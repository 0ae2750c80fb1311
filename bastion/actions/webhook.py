"""The built-in action target: an HTTPS POST to the platform's webhook, signed with HMAC-SHA256.

Each request carries its outbox id (`X-Bastion-Delivery`) for the platform to
drop duplicates, the time it was sent (`X-Bastion-Timestamp`, unix seconds)
and an HMAC-SHA256 of `"{timestamp}.{body}"` (`X-Bastion-Signature:
sha256=...`) to prove it came from Bastion. The timestamp is signed, so a
platform that rejects requests older than five minutes cannot be replayed a
captured request later.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import httpx

from bastion.actions.base import ActionTarget, PlatformAction

if TYPE_CHECKING:
    from bastion.context import AppContext


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The HMAC-SHA256 of `"{timestamp}.{body}"`: the time is signed with the body, so it cannot be changed."""
    return "sha256=" + hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


class WebhookTarget(ActionTarget):
    name = "webhook"

    def __init__(self, url: str, secret: str, timeout: float = 10.0, clock: Callable[[], float] = time.time) -> None:
        self.url = url
        self.secret = secret
        self._clock = clock
        self._client = httpx.Client(timeout=timeout)

    @classmethod
    def from_context(cls, context: AppContext) -> WebhookTarget | None:
        """Configured by BASTION_ACTION_WEBHOOK_URL and _SECRET; no secret, no target (a guessable one forges)."""
        url, secret = context.settings.action_webhook_url, context.settings.action_webhook_secret
        return cls(url, secret) if url and secret else None

    def deliver(self, action: PlatformAction) -> str | None:
        body = json.dumps(action.as_json(), sort_keys=True, default=str).encode()
        timestamp = int(self._clock())
        headers = {
            "Content-Type": "application/json",
            "X-Bastion-Delivery": str(action.delivery),
            "X-Bastion-Timestamp": str(timestamp),
            "X-Bastion-Signature": signature(self.secret, timestamp, body),
        }
        try:
            response = self._client.post(self.url, content=body, headers=headers)
        except httpx.HTTPError as problem:
            return f"{type(problem).__name__}: {problem}"
        return None if response.is_success else f"HTTP {response.status_code}"

    def close(self) -> None:
        self._client.close()
