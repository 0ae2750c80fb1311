"""`/v1/reports` and `/v1/appeals`: what the platform passes on from its users."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from bastion.api.auth import require_platform
from bastion.api.errors import BadRequest
from bastion.core import Item, Pseudonym
from bastion.review.cases import ReviewError, file_appeal
from bastion.review.reports import FiledReport, ReportReason, file_report
from bastion.store.base import utcnow
from bastion.store.models.core import VerdictRow

router = APIRouter(tags=["review"])
Platform = Annotated[str, Depends(require_platform)]


class ReportIn(BaseModel):
    item: Item
    reporter: Pseudonym = Field(description="the reporting user's pseudonymous id")
    reason: ReportReason
    text: str = Field(default="", max_length=5000)


class ReportOut(BaseModel):
    report_id: int
    case_id: int
    priority: int
    reporter_trust: float
    verdict: dict[str, Any]


class AppealIn(BaseModel):
    item_id: Pseudonym
    appellant: Pseudonym = Field(description="the author's pseudonymous id")
    text: str = Field(default="", max_length=5000)


@router.post("/v1/reports", status_code=201, summary="A user reports an item; reports on one item share one case")
def report(body: ReportIn, request: Request, platform: Platform) -> ReportOut:
    service = request.app.state.service
    now = utcnow()

    def file(session: Session) -> FiledReport:
        return file_report(
            session, body.item.id, body.item.author, body.reporter, body.reason, body.text, platform, now
        )

    # An item Bastion has checked keeps its stored content and verdict: the report's
    # copy may lack the media, and re-checking it would drop the hash-match evidence.
    with request.app.state.db.session() as session:
        verdict = session.scalar(select(VerdictRow.body).where(VerdictRow.item_id == body.item.id))
        filed = file(session) if verdict is not None else None
    if filed is None:
        checked = service.pipeline.check(body.item, now)
        filed = service.record([(body.item, checked)], platform, now, also=file)
        verdict = checked.model_dump(mode="json")
    return ReportOut(
        report_id=filed.report.id,
        case_id=filed.case.id,
        priority=filed.case.priority,
        reporter_trust=round(filed.trust, 3),
        verdict=verdict,
    )


@router.post("/v1/appeals", status_code=201, summary="The author appeals an action on their content")
def appeal(body: AppealIn, request: Request, platform: Platform) -> dict[str, Any]:
    try:
        with request.app.state.db.session() as session:
            filed = file_appeal(session, body.item_id, body.appellant, body.text, utcnow())
            return {"appeal_id": filed.id, "case_id": filed.case_id, "state": "appealed"}
    except ReviewError as error:
        raise BadRequest(error.status, "appeal_refused", str(error)) from None
