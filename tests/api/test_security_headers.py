"""Every response carries the security headers: pages, the API, errors, static files and /docs."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest
from fastapi.testclient import TestClient

from bastion.api.security_headers import CONTENT_SECURITY_POLICY

FIXED = {"x-content-type-options": "nosniff", "referrer-policy": "same-origin", "x-frame-options": "DENY"}


def _directives(policy: str) -> dict[str, str]:
    return {part.split()[0]: part.strip() for part in policy.split(";") if part.strip()}


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/login", 200),  # a page
        ("GET", "/healthz", 200),  # the API
        ("POST", "/v1/check", 422),  # an API error
        ("GET", "/v1/no-such-route", 404),  # an error no route answered
        ("GET", "/static/keys.js", 200),  # a static file
        ("GET", "/queue", 303),  # a redirect to log in
    ],
)
def test_each_response_carries_every_header(client: TestClient, method: str, path: str, status: int) -> None:
    response = client.request(method, path, json={} if method == "POST" else None, follow_redirects=False)
    assert response.status_code == status
    for name, value in FIXED.items():
        assert response.headers[name] == value, name
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY


def test_an_oversized_body_refused_before_any_route_carries_them_too(client: TestClient) -> None:
    client.app.state.settings.max_body_bytes = 10  # type: ignore[attr-defined]
    response = client.post("/v1/check", content=b"x" * 100, headers={"content-type": "application/json"})
    assert response.status_code == 413 and response.headers["x-frame-options"] == "DENY"


def test_the_policy_forbids_inline_scripts_eval_and_framing() -> None:
    policy = _directives(CONTENT_SECURITY_POLICY)
    assert policy["default-src"] == "default-src 'self'"
    assert policy["script-src"] == "script-src 'self'"  # no 'unsafe-inline', no 'unsafe-eval'
    assert policy["frame-ancestors"] == "frame-ancestors 'none'"
    assert policy["object-src"] == "object-src 'none'" and policy["base-uri"] == "base-uri 'none'"
    assert "unsafe-inline" not in policy["style-src"]


def test_the_pages_need_no_inline_script(client: TestClient) -> None:
    """What the policy relies on: scripts come from /static only."""
    page = client.get("/login").text
    assert re.findall(r"<script[^>]*>", page) == ['<script src="/static/htmx.min.js" defer>']
    assert not re.search(r"\son[a-z]+=", page)


def test_docs_allow_exactly_their_own_inline_script(client: TestClient) -> None:
    page = client.get("/docs")
    [script] = re.findall(r"<script>(.*?)</script>", page.text, re.DOTALL)
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    policy = _directives(page.headers["content-security-policy"])
    assert policy["script-src"] == f"script-src 'self' 'sha256-{digest}'"
    assert policy["frame-ancestors"] == "frame-ancestors 'none'"
    assert page.headers["x-content-type-options"] == "nosniff"
