"""`/v1/notices`: a platform passes on the DSA Art 16 notices its users filed through its own notice button.

The platform forwards (key scope `notice`); Bastion checks the Article's
elements, answers an incomplete notice with 422 naming each missing field,
and a complete one with its receipt (Art 16(4)). `GET /v1/notices/{id}` is
what the platform tells its notifier about the decision (Art 16(5)). Anyone
without a platform account uses the public form at `/notices/new`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from bastion.api.auth import Scope, require_scope
from bastion.api.errors import BadRequest
from bastion.api.params import RowId
from bastion.core import Item, utcnow
from bastion.legal.notice_status import notice_status
from bastion.legal.notices import IncompleteNotice, NoticeForm, NoticeRefused, receive_notice

router = APIRouter(tags=["notices"])
Forwarder = Annotated[str, Depends(require_scope(Scope.NOTICE))]


class NoticeIn(BaseModel):
    """A notice as the notifier gave it: every element may be missing here; what is missing comes back as 422."""

    model_config = ConfigDict(extra="forbid")

    notice_type: str = Field(
        default="",
        description="terrorist_content, violent_extremism, illegal_hate_speech, child_sexual_abuse or other_illegal",
    )
    explanation: str = Field(default="", max_length=10_000, description="why the content is illegal, Art 16(2)(a)")
    url: str = Field(default="", max_length=2048, description="the exact URL, Art 16(2)(b)")
    item_id: str = Field(default="", max_length=256, description="or the platform's id of the item")
    notifier_name: str = Field(default="", max_length=200, description="Art 16(2)(c); not for child sexual abuse")
    notifier_email: str = Field(default="", max_length=320)
    good_faith: StrictBool = Field(default=False, description="the notifier's statement of good faith, Art 16(2)(d)")
    notifier_code: str = Field(default="", max_length=200, description="a registered (trusted) notifier's code")
    item: Item | None = Field(default=None, description="the item's content, checked if Bastion has not seen it")


class NoticeReceipt(BaseModel):
    notice_id: int
    receipt: str
    received_at: str
    case_id: int
    priority: int
    trusted_flagger: bool
    status: str
    receipt_page: str


@router.post("/v1/notices", status_code=201, summary="Pass on a user's notice of illegal content (DSA Art 16)")
def post_notice(body: NoticeIn, request: Request, platform: Forwarder) -> NoticeReceipt:
    service, settings = request.app.state.service, request.app.state.settings
    form = NoticeForm(
        body.notice_type,
        body.explanation,
        body.url,
        body.item_id or (body.item.id if body.item else ""),
        body.notifier_name,
        body.notifier_email,
        body.good_faith,
        body.notifier_code,
    )
    try:
        receipt = receive_notice(
            request.app.state.db,
            lambda item: service.check([item], platform),
            form,
            (platform, "api"),
            utcnow(),
            min_explanation=settings.notice_min_explanation_chars,
            content=body.item,
        )
    except IncompleteNotice as incomplete:
        details = [{"field": m.field, "problem": m.problem} for m in incomplete.missing]
        raise BadRequest(422, "incomplete_notice", f"the notice lacks: {incomplete}", details) from None
    except NoticeRefused as refused:
        raise BadRequest(refused.status, "notice_refused", str(refused)) from None
    return NoticeReceipt(
        notice_id=receipt.notice_id,
        receipt=receipt.receipt,
        received_at=receipt.received_at.isoformat(),
        case_id=receipt.case_id,
        priority=receipt.priority,
        trusted_flagger=receipt.trusted_flagger,
        status=f"/v1/notices/{receipt.notice_id}",
        receipt_page=f"/notices/{receipt.receipt}",
    )


@router.get("/v1/notices/{notice_id}", summary="The decision on a notice, to tell its notifier (DSA Art 16(5))")
def get_notice(notice_id: RowId, request: Request, platform: Forwarder) -> dict[str, Any]:
    with request.app.state.db.snapshot() as tx:
        notice = tx.notices.get(notice_id)
        if notice is None or notice.platform != platform:  # another platform's notice is as unknown as none
            raise BadRequest(404, "not_found", f"no notice {notice_id}")
        return notice_status(tx, notice).as_json()
