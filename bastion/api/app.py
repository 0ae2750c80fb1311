"""The HTTP application: thin routers over the same Service the CLI uses."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from bastion import __version__
from bastion.api import banks, check, errors, review
from bastion.api.auth import KeyCache
from bastion.service import Service
from bastion.settings import Settings


def create_app(settings: Settings | None = None, service: Service | None = None) -> FastAPI:
    settings = settings or Settings()
    service = service or Service.from_settings(settings)

    app = FastAPI(
        title="Bastion",
        version=__version__,
        description="Find, review and act on terrorist and violent extremist content.",
    )
    app.state.settings = settings
    app.state.service = service
    app.state.db = service.db
    app.state.keys = KeyCache(service.db)
    errors.install(app)
    app.include_router(check.router)
    app.include_router(banks.router)
    app.include_router(review.router)

    @app.get("/healthz", tags=["ops"], summary="The process is up")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", tags=["ops"], summary="The database answers and detectors are loaded")
    def readyz(request: Request) -> JSONResponse:
        ready = request.app.state.db.ping()
        body = {
            "status": "ready" if ready else "not ready",
            "database": ready,
            "detectors": [d.name for d in request.app.state.service.pipeline.detectors],
            "policy_version": request.app.state.service.pipeline.policy.version,
        }
        return JSONResponse(body, status_code=200 if ready else 503)

    return app
