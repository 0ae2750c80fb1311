"""A removal order as submitted, with what Annex I of the TCO Regulation carries, checked before anything is
stored: the API and the web form both build one, so both refuse the same things with the same words."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


def _as_utc(value: Any) -> Any:
    """A time without a zone is read as UTC (the item contract's rule)."""
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


class Locator(BaseModel):
    """Annex I section B: the exact URL and any additional information identifying the content."""

    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(default=None, min_length=1, max_length=2048)
    item_id: str | None = Field(default=None, min_length=1, max_length=256)
    info: str = Field(default="", max_length=2000)

    @model_validator(mode="after")
    def _names_something(self) -> Locator:
        if not self.url and not self.item_id:
            raise ValueError("a target needs a url or an item_id")
        return self


class OrderForm(BaseModel):
    """The order's fields. `issuing_state` and `issuing_authority` come from the authority's account over the
    API and from the form in the web UI; `received_at` is the server's own time over the API."""

    model_config = ConfigDict(extra="allow")  # the rest of an authority's document is kept as sent

    regime: str = Field(default="eu-tco", min_length=1, max_length=32)
    platform: str = Field(min_length=1, max_length=128, description="the addressee, as Bastion names the platform")
    reference: str = Field(min_length=1, max_length=128, description="Annex I A: reference number of the order")
    issuing_state: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    issuing_authority: str | None = Field(default=None, min_length=1, max_length=200)
    issued_at: datetime = Field(description="Annex I A: time and date of issuing")
    received_at: datetime | None = None
    targets: list[Locator] = Field(min_length=1, max_length=1000)
    grounds: list[str] = Field(min_length=1, max_length=10, description="Art 2(7) points, e.g. ['a', 'c']")
    reasons: str = Field(min_length=1, max_length=10_000, description="Art 3(4)(b): the statement of reasons")
    redress: str = Field(min_length=1, max_length=5000, description="Art 3(4)(f): redress and its deadlines")
    action: Literal["remove", "disable"] = "remove"
    non_disclosure_until: datetime | None = Field(default=None, description="Art 11(3): no disclosure until")
    language: str | None = Field(default=None, max_length=16)

    _utc = field_validator("issued_at", "received_at", "non_disclosure_until", mode="after")(_as_utc)

    @field_validator("grounds", mode="after")
    @classmethod
    def _distinct(cls, grounds: list[str]) -> list[str]:
        return sorted({g.strip().lower() for g in grounds if g.strip()})
