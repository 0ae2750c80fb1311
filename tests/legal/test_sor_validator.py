from datetime import UTC, datetime

import pytest

from bastion.legal.sor_validator import REQUIRED, validate
from bastion.legal.sor_vocabulary import ENUM_FIELDS
from bastion.legal.statements import DecisionPath, Restriction, build_statement

POSTED = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
DECIDED = datetime(2026, 11, 3, 10, 0, tzinfo=UTC)


def _statement(path: DecisionPath = DecisionPath.AUTOMATIC) -> dict:
    return build_statement(
        Restriction(
            "forum-a",
            "post-7",
            path,
            ("text",),
            POSTED,
            DECIDED,
            "Matched rule tvec-flagged: recruitment for a fictional banned group.",
            ("DE", "FR"),
        )
    )


@pytest.mark.parametrize("path", list(DecisionPath))
def test_every_generated_statement_is_valid(path):
    assert validate(_statement(path)) == []


@pytest.mark.parametrize(
    ("path", "detection", "decision"),
    [
        (DecisionPath.AUTOMATIC, "Yes", "AUTOMATED_DECISION_FULLY"),
        (DecisionPath.HUMAN_ON_AUTOMATED_FLAG, "Yes", "AUTOMATED_DECISION_NOT_AUTOMATED"),
        (DecisionPath.HUMAN_ON_REPORT, "No", "AUTOMATED_DECISION_NOT_AUTOMATED"),
    ],
)
def test_automation_flags_follow_how_the_decision_was_made(path, detection, decision):
    s = _statement(path)
    assert (s["automated_detection"], s["automated_decision"]) == (detection, decision)


def test_statement_holds_no_item_or_user_identifiers():
    text = repr(_statement())
    assert "post-7" not in text and "forum-a" not in text


@pytest.mark.parametrize(("field", "is_list"), [(f, lst) for f, (_, lst) in ENUM_FIELDS.items()])
def test_wrong_value_of_each_enumerated_field_is_refused(field, is_list):
    s = _statement()
    s[field] = ["NOT_A_VALUE"] if is_list else "NOT_A_VALUE"
    assert any(e.startswith(f"{field}:") for e in validate(s))


@pytest.mark.parametrize("field", REQUIRED)
def test_each_missing_required_field_is_refused(field):
    s = _statement()
    del s[field]
    assert f"{field}: required" in validate(s)


def test_a_statement_without_any_restriction_is_refused():
    s = _statement()
    del s["decision_visibility"]
    assert any(e.startswith("one of decision_visibility") for e in validate(s))


@pytest.mark.parametrize(
    ("field", "value"), [("content_date", "1999-12-31"), ("application_date", "2026-13-01"), ("puid", "has space")]
)
def test_bad_dates_and_puids_are_refused(field, value):
    s = _statement()
    s[field] = value
    assert any(e.startswith(f"{field}:") for e in validate(s))
