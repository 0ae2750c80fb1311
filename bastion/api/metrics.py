"""GET /metrics: Prometheus' text format. Open like /healthz; serve it on the internal network only.

The counters are this process's, or with `serve --workers N` every process's
summed; the shared figures (the oldest legal deadline of an undecided case) are
read from the database when scraped.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest

from bastion.core import utcnow
from bastion.metrics import OLDEST_LEGAL_DEADLINE, registry

router = APIRouter()


@router.get("/metrics", tags=["ops"], summary="Prometheus metrics of the server", include_in_schema=False)
def metrics(request: Request) -> Response:
    with request.app.state.db.snapshot() as tx:
        deadline = tx.cases.earliest_open_deadline()
    if deadline is None:
        OLDEST_LEGAL_DEADLINE.set(float("nan"))
    else:
        OLDEST_LEGAL_DEADLINE.set((deadline - utcnow()).total_seconds())
    return Response(generate_latest(registry() or REGISTRY), media_type=CONTENT_TYPE_LATEST)
