"""`/docs`: Swagger UI served from this process, so the API's reference renders on an air-gapped network.

FastAPI's own `/docs` loads Swagger UI from a CDN and shows a blank page
without the internet. The `fastapi-offline` package ships Swagger UI 5's
bundle and stylesheet (5 is the first to read the OpenAPI 3.1 FastAPI
writes); they are mounted under `/docs/assets` and the page points there.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from bastion.api.security_headers import policy_with_inline_scripts

ASSETS = "/docs/assets"


def install(app: FastAPI) -> None:
    """Mount the local Swagger UI assets and the `/docs` page (the app is built with `docs_url=None`)."""
    app.mount(ASSETS, StaticFiles(packages=[("fastapi_offline", "static")]), name="docs-assets")

    page = get_swagger_ui_html(
        openapi_url=app.openapi_url or "/openapi.json",
        title=f"{app.title} API",
        swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS}/swagger-ui.css",
        swagger_favicon_url=f"{ASSETS}/favicon.png",
        swagger_ui_parameters={"validatorUrl": None},  # no badge fetched from swagger.io
    ).body
    # The page is fixed by the code, so it and its policy are built once, not per request.
    policy = policy_with_inline_scripts(bytes(page).decode())

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return HTMLResponse(page, headers={"Content-Security-Policy": policy})
