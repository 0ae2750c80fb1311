"""The HTTP application: thin routers over the same Service the CLI uses."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import structlog
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from bastion import __version__
from bastion.api import (
    banks,
    body_limit,
    check,
    docs,
    errors,
    metrics,
    notices,
    openapi,
    orders,
    review,
    security_headers,
    symbols,
)
from bastion.api.auth import KeyCache
from bastion.api.check_lane import CheckLane
from bastion.api.process_group import die_with_parent
from bastion.api.request_log import RequestLogMiddleware, log_as_json_lines
from bastion.context import settle_after_warm_up
from bastion.metrics import forget_at_exit
from bastion.service import Service
from bastion.settings import Settings
from bastion.web import actors as actor_pages
from bastion.web import dead_letters as dead_letter_pages
from bastion.web import learning as learning_pages
from bastion.web import legal as legal_pages
from bastion.web import orders as order_pages
from bastion.web import routes as web
from bastion.web import symbols as symbol_pages
from bastion.web.auth import Forbidden, LoginRequired, session_secret
from bastion.web.errors import forbidden_page
from bastion.workers.actions import action_delivery_worker
from bastion.workers.anchor import audit_anchor_worker
from bastion.workers.legal import legal_worker
from bastion.workers.retro import retro_match_worker

log = structlog.get_logger(__name__)


def serving_app() -> FastAPI:
    """The app as `bastion serve` runs it in each worker process: configured from the environment, JSON logs."""
    log_as_json_lines()
    die_with_parent()  # `serve --workers N`: no orphaned worker keeps the port after the parent is killed
    forget_at_exit()  # `serve --workers N`: a worker that exits leaves the shared gauges
    return create_app(freeze_after_warm_up=True)


def create_app(
    settings: Settings | None = None, service: Service | None = None, freeze_after_warm_up: bool = False
) -> FastAPI:
    """`freeze_after_warm_up`: for a serving process (`settle_after_warm_up`), never a test's."""
    settings = settings or Settings()
    service = service or Service.from_settings(settings)
    retro = retro_match_worker(service.db, settings)
    delivery = action_delivery_worker(service.context)
    anchor = audit_anchor_worker(service.db, settings)
    legal = legal_worker(service.db, settings)  # order clocks, alerts, the preservation purge (TCO Art 3, 6)
    workers = [worker for worker in (retro, delivery, anchor, legal) if worker is not None]

    warmed = threading.Event()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        for worker in workers:
            worker.start()
        # Off the loop: /healthz answers while models load; /readyz says ready only once they have.
        warming = asyncio.get_running_loop().run_in_executor(None, _warm_up, service, warmed, freeze_after_warm_up)
        yield
        await warming
        for worker in workers:
            worker.stop()

    app = FastAPI(
        title="Bastion",
        version=__version__,
        description="Find, review and act on terrorist and violent extremist content.",
        lifespan=lifespan,
        docs_url=None,  # docs.install serves /docs from local assets; FastAPI's pages load from a CDN
        redoc_url=None,
        # FastAPI's OpenTelemetry hooks, unused here, looked up the tracer provider in os.environ on every
        # request: 5% of a serving process's CPU under load.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.retro, app.state.delivery = retro, delivery
    app.state.settings = settings
    app.state.warmed = warmed
    app.state.service = service
    app.state.db = service.db
    app.state.keys = KeyCache(service.db)
    errors.install(app)
    openapi.install(app)
    _install_probes(app)  # first: routes are matched in order, and a probe should cost nothing to find
    app.include_router(check.router)
    app.include_router(banks.router)
    app.include_router(symbols.router)
    app.include_router(review.router)
    app.include_router(notices.router)
    app.include_router(orders.router)
    app.include_router(metrics.router)
    docs.install(app)
    _install_web(app, settings)
    app.add_middleware(CheckLane, target=app)  # inside the limit, headers and log: they apply to it as to all
    app.add_middleware(body_limit.BodyLimitMiddleware, limit=lambda: app.state.settings.max_body_bytes)
    app.add_middleware(security_headers.SecurityHeadersMiddleware)  # refusals and errors carry them too
    app.add_middleware(RequestLogMiddleware)  # outermost: refused bodies are logged too
    return app


def _install_probes(app: FastAPI) -> None:
    """`/healthz` (the process is up) and `/readyz` (it can check items), for orchestrators and load balancers."""

    @app.get("/healthz", tags=["ops"], summary="The process is up")
    async def healthz() -> dict[str, str]:  # async: no thread hop for a probe
        return {"status": "ok"}

    @app.get(
        "/readyz",
        tags=["ops"],
        summary="The database answers and detectors are loaded and warmed",
        responses={503: {"description": "not ready yet: the database does not answer, or models are loading"}},
    )
    def readyz(request: Request) -> JSONResponse:
        database = request.app.state.db.ping()
        warm = request.app.state.warmed.is_set()
        ready = database and warm
        body = {
            "status": "ready" if ready else "not ready",
            "database": database,
            "models": "warm" if warm else "loading",
            "detectors": [d.name for d in request.app.state.service.pipeline.detectors],
            "policy_version": request.app.state.service.pipeline.policy.version,
        }
        return JSONResponse(body, status_code=200 if ready else 503)


def _warm_up(service: Service, warmed: threading.Event, freeze: bool) -> None:
    try:
        service.warm_up()
    except Exception:  # a process that cannot warm up stays not ready, and says why in its log
        log.exception("warm-up failed: /readyz stays not ready")
        return
    if freeze:
        settle_after_warm_up()
    warmed.set()


def _install_web(app: FastAPI, settings: Settings) -> None:
    """The moderators' pages: signed session cookies, static files, redirects for the logged out."""
    app.add_middleware(
        SessionMiddleware,
        secret_key=session_secret(settings.data_dir, settings.session_secret),
        session_cookie="bastion_session",
        same_site="strict",
        https_only=settings.secure_cookies,
        max_age=12 * 3600,
    )
    app.mount("/static", StaticFiles(directory=Path(web.__file__).parent / "static"), name="static")
    app.include_router(web.router)
    app.include_router(legal_pages.router)
    app.include_router(learning_pages.router)
    app.include_router(actor_pages.router)
    app.include_router(dead_letter_pages.router)
    app.include_router(order_pages.router)
    app.include_router(symbol_pages.router)

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, _: LoginRequired) -> RedirectResponse:
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)

    @app.exception_handler(Forbidden)
    def _forbidden(request: Request, error: Forbidden) -> HTMLResponse:
        return forbidden_page(request, error)
