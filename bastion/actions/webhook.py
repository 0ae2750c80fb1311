"""The built-in action target: an HTTPS POST to the platform's webhook, signed with HMAC-SHA256.

Each request carries its outbox id (`X-Bastion-Delivery`) for the platform to
drop duplicates, and an HMAC-SHA256 of the body (`X-Bastion-Signature:
sha256=...`) to prove it came from Bastion.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import TYPE_CHECKING

import httpx

from bastion.actions.base import ActionTarget, PlatformAction

if TYPE_CHECKING:
    from bastion.context import AppContext


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class WebhookTarget(ActionTarget):
    name = "webhook"

    def __init__(self, url: str, secret: str, timeout: float = 10.0) -> None:
        self.url = url
        self.secret = secret
        self._client = httpx.Client(timeout=timeout)

    @classmethod
    def from_context(cls, context: AppContext) -> WebhookTarget | None:
        """Configured by BASTION_ACTION_WEBHOOK_URL and _SECRET; no secret, no target (a guessable one forges)."""
        url, secret = context.settings.action_webhook_url, context.settings.action_webhook_secret
        return cls(url, secret) if url and secret else None

    def deliver(self, action: PlatformAction) -> str | None:
        body = json.dumps(action.as_json(), sort_keys=True, default=str).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Bastion-Delivery": str(action.delivery),
            "X-Bastion-Signature": signature(self.secret, body),
        }
        try:
            response = self._client.post(self.url, content=body, headers=headers)
        except httpx.HTTPError as problem:
            return f"{type(problem).__name__}: {problem}"
        return None if response.is_success else f"HTTP {response.status_code}"

    def close(self) -> None:
        self._client.close()
