"""Security headers on every response (API, pages, static files, errors): what a browser may load and frame.

The pages need no inline script (htmx and keys.js are files under /static), so
the policy allows scripts from this origin only. Inline `style=` attributes
(the dashboard's bar widths) are allowed; of inline `<style>` elements, only
htmx's indicator style (by its hash).
A route that needs more (Swagger UI's one inline init script on /docs) sets
its own `Content-Security-Policy`, built with `policy_with_inline_scripts`,
and the middleware keeps it; the other headers are always added.
"""

from __future__ import annotations

import base64
import hashlib
import re

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# htmx adds this one <style> element (its request indicator) to every page: allowed by its hash.
_HTMX_INDICATOR_STYLE = (
    ".htmx-indicator{opacity:0;visibility: hidden} "
    ".htmx-request .htmx-indicator, .htmx-request.htmx-indicator{opacity:1;visibility: visible;"
    "transition: opacity 200ms ease-in}"
)


def _sha256_source(text: str) -> str:
    """A CSP source allowing exactly this inline script or style."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


CONTENT_SECURITY_POLICY = (
    f"default-src 'self'; script-src 'self'; style-src 'self' {_sha256_source(_HTMX_INDICATOR_STYLE)}; "
    "style-src-attr 'unsafe-inline'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def policy_with_inline_scripts(html: str) -> str:
    """The policy, also allowing exactly the inline scripts of this page (by SHA-256) and inline styles.

    For pages that are fixed by the code (Swagger UI's), never for pages that show user content.
    """
    hashes = " ".join(_sha256_source(script) for script in _INLINE_SCRIPT.findall(html))
    policy = CONTENT_SECURITY_POLICY.replace("script-src 'self'", f"script-src 'self' {hashes}")
    return re.sub(r"style-src 'self'[^;]*;", "style-src 'self' 'unsafe-inline';", policy)


class SecurityHeadersMiddleware:
    """Add the headers to every HTTP response; a Content-Security-Policy a route set itself is kept."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
                for name, value in HEADERS.items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)
