"""Checks a statement of reasons against the Transparency Database's rules before
it is stored or sent (DSA Art 24(5); field rules from the brief §3.2). Returns
every problem at once, so a statement is fixed in one go."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from bastion.legal.sor_vocabulary import ENUM_FIELDS

REQUIRED = (
    "decision_ground",
    "content_type",
    "category",
    "content_date",
    "application_date",
    "decision_facts",
    "source_type",
    "automated_detection",
    "automated_decision",
    "puid",
)
ONE_OF_FOUR = ("decision_visibility", "decision_monetary", "decision_provision", "decision_account")
# (field, the value that makes it required) -- the TDB's `required_if` rules.
REQUIRED_WHEN = (
    ("decision_visibility_other", "decision_visibility", "DECISION_VISIBILITY_OTHER"),
    ("decision_monetary_other", "decision_monetary", "DECISION_MONETARY_OTHER"),
    ("content_type_other", "content_type", "CONTENT_TYPE_OTHER"),
    ("illegal_content_legal_ground", "decision_ground", "DECISION_GROUND_ILLEGAL_CONTENT"),
    ("illegal_content_explanation", "decision_ground", "DECISION_GROUND_ILLEGAL_CONTENT"),
    ("incompatible_content_ground", "decision_ground", "DECISION_GROUND_INCOMPATIBLE_CONTENT"),
    ("incompatible_content_explanation", "decision_ground", "DECISION_GROUND_INCOMPATIBLE_CONTENT"),
)
MAX_LENGTH = {
    "decision_visibility_other": 500,
    "decision_monetary_other": 500,
    "decision_ground_reference_url": 500,
    "illegal_content_legal_ground": 500,
    "illegal_content_explanation": 2000,
    "incompatible_content_ground": 500,
    "incompatible_content_explanation": 2000,
    "content_type_other": 500,
    "category_specification_other": 500,
    "decision_facts": 5000,
    "source_identity": 500,
    "puid": 500,
}
DATE_RANGES = {
    "content_date": (date(2000, 1, 1), date(2038, 1, 1)),
    "application_date": (date(2020, 1, 1), date(2038, 1, 1)),
}
PUID = re.compile(r"^[a-zA-Z0-9\-_]+$")


def _has(statement: dict[str, Any], field: str, value: str) -> bool:
    present = statement.get(field)
    return value in present if isinstance(present, list) else present == value


def _enum_errors(statement: dict[str, Any]) -> list[str]:
    errors = []
    for field, (allowed, is_list) in ENUM_FIELDS.items():
        if field not in statement or statement[field] is None:
            continue
        value = statement[field]
        values = value if is_list and isinstance(value, list) else [value]
        if is_list and not isinstance(value, list):
            errors.append(f"{field}: must be a list")
        errors += [f"{field}: {v!r} is not an allowed value" for v in values if v not in allowed]
    return errors


def _date_errors(statement: dict[str, Any]) -> list[str]:
    errors = []
    for field, (low, high) in DATE_RANGES.items():
        raw = statement.get(field)
        if raw is None:
            continue
        try:
            day = date.fromisoformat(str(raw))
        except ValueError:
            errors.append(f"{field}: {raw!r} is not a YYYY-MM-DD date")
            continue
        if not low <= day <= high:
            errors.append(f"{field}: {raw} is outside {low}..{high}")
    return errors


def validate(statement: dict[str, Any]) -> list[str]:
    """Every way `statement` breaks the TDB's rules; empty when it is valid."""
    errors = [f"{f}: required" for f in REQUIRED if statement.get(f) in (None, "", [])]
    if not any(statement.get(f) for f in ONE_OF_FOUR):
        errors.append("one of decision_visibility, decision_monetary, decision_provision, decision_account: required")
    for field, when, value in REQUIRED_WHEN:
        if _has(statement, when, value) and not statement.get(field):
            errors.append(f"{field}: required when {when} is {value}")
    errors += _enum_errors(statement) + _date_errors(statement)
    for field, limit in MAX_LENGTH.items():
        if isinstance(statement.get(field), str) and len(statement[field]) > limit:
            errors.append(f"{field}: longer than {limit} characters")
    if statement.get("source_type") == "SOURCE_VOLUNTARY" and statement.get("source_identity"):
        errors.append("source_identity: must be left out when source_type is SOURCE_VOLUNTARY")
    puid = statement.get("puid")
    if isinstance(puid, str) and puid and not PUID.match(puid):
        errors.append("puid: only letters, digits, '-' and '_'")
    return errors
