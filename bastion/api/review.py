"""`/v1/reports` and `/v1/appeals`: what the platform passes on from its users."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field, model_validator

from bastion.api.auth import Scope, require_scope
from bastion.api.errors import BadRequest
from bastion.api.orders import now_of
from bastion.api.params import RowId
from bastion.core import Item, Pseudonym, utcnow
from bastion.legal.complaints import complaint_view, lodge_complaint, lodge_notifier_complaint
from bastion.review.cases import ReviewError, file_appeal
from bastion.review.reports import ReportReason

router = APIRouter(tags=["review"])
Reporter = Annotated[str, Depends(require_scope(Scope.REPORT))]
Appellant = Annotated[str, Depends(require_scope(Scope.APPEAL))]


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
def report(body: ReportIn, request: Request, platform: Reporter) -> ReportOut:
    filed = request.app.state.service.report(body.item, body.reporter, body.reason, body.text, platform)
    return ReportOut(**asdict(filed))


@router.post("/v1/appeals", status_code=201, summary="The author appeals an action on their content")
def appeal(body: AppealIn, request: Request, platform: Appellant) -> dict[str, Any]:
    try:
        with request.app.state.db.transaction() as tx:
            filed = file_appeal(tx, platform, body.item_id, body.appellant, body.text, utcnow())
            return {"appeal_id": filed.id, "case_id": filed.case_id, "state": "appealed"}
    except ReviewError as error:
        raise BadRequest(error.status, "appeal_refused", str(error)) from None


class ComplaintIn(BaseModel):
    item_id: Pseudonym | None = Field(default=None, description="the restricted item (an uploader's complaint)")
    complainant: Pseudonym | None = Field(default=None, description="the uploader's pseudonymous id")
    notice_receipt: str | None = Field(
        default=None, max_length=64, description="a notifier's complaint about a decision not to act on its notice"
    )
    text: str = Field(default="", max_length=5000, description="why the decision is wrong (DSA Art 20(3))")

    @model_validator(mode="after")
    def _one_complainant(self) -> ComplaintIn:
        if (self.notice_receipt is None) == (self.item_id is None or self.complainant is None):
            raise ValueError("give item_id and complainant (the uploader), or notice_receipt (the notifier)")
        return self


@router.post(
    "/v1/complaints",
    status_code=201,
    summary="The uploader complains about a restriction (DSA Art 20, TCO Art 10) within the window of its statement",
)
def complaint(body: ComplaintIn, request: Request, platform: Appellant) -> dict[str, Any]:
    try:
        with request.app.state.db.transaction() as tx:
            settings = request.app.state.settings
            now = now_of(request)
            if body.notice_receipt is not None:
                lodged = lodge_notifier_complaint(tx, platform, body.notice_receipt, body.text, now, settings)
            else:
                assert body.item_id is not None and body.complainant is not None
                lodged = lodge_complaint(tx, platform, body.item_id, body.complainant, body.text, now, settings)
            return complaint_view(lodged)
    except ReviewError as error:
        raise BadRequest(error.status, "complaint_refused", str(error)) from None


@router.get("/v1/complaints/{complaint_id}", summary="A complaint's state and, once decided, its outcome")
def complaint_state(complaint_id: RowId, request: Request, platform: Appellant) -> dict[str, Any]:
    with request.app.state.db.snapshot() as tx:
        found = tx.cases.appeal(complaint_id)
        if found is None or found.kind != "complaint" or found.platform != platform:
            raise BadRequest(404, "no_such_complaint", f"no complaint {complaint_id}")
        return complaint_view(found)
