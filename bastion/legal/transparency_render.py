"""The transparency report written out: JSON (the typed report as is), CSV and HTML.

The CSV is long-form, one figure a row: `section,indicator,breakdown,value,basis`. Its sections follow the
parts of the quantitative template of Implementing Regulation (EU) 2024/2835 (Annex I) that the research brief
could confirm (orders from Member States, Art 16 notices, own-initiative moderation, internal complaints,
automated means) plus the TCO Art 7(3) figures; the template's exact sheet and row list is unconfirmed
(brief §4), so a figure is named by its indicator and article rather than by a row number.
"""

from __future__ import annotations

import csv
import dataclasses
import io
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from bastion.legal.transparency import TransparencyReport

_TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
Row = tuple[str, str, str, object, str]


def as_json(report: TransparencyReport) -> dict[str, Any]:
    """The report as JSON-ready data: dates in ISO 8601, `end` exclusive, each detector's precision included."""
    data = dataclasses.asdict(report)
    data["accuracy"]["detectors"] = [
        {**dataclasses.asdict(d), "precision": d.precision} for d in report.accuracy.detectors
    ]
    return _iso(data)


def as_csv(report: TransparencyReport) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")  # RFC 4180
    writer.writerow(["section", "indicator", "breakdown", "value", "basis"])
    writer.writerow(["period", "start", "", report.start.date().isoformat(), ""])
    writer.writerow(["period", "end", "", (report.end - timedelta(days=1)).date().isoformat(), "inclusive"])
    writer.writerows(_rows(report))
    return buffer.getvalue()


def as_html(report: TransparencyReport, standalone: bool = True) -> str:
    """The report as HTML with CSS bars (no script, no outside resource); `standalone` wraps it in a document."""
    body = _TEMPLATES.get_template("transparency.html").render(
        r=report, bars=_bars, last_day=report.end - timedelta(days=1)
    )
    if not standalone:
        return body
    return _TEMPLATES.get_template("transparency_page.html").render(body=body, r=report)


def _bars(counts: dict[str, int]) -> list[tuple[str, int, int]]:
    """(label, count, width in percent of the largest) for a bar chart."""
    top = max(counts.values(), default=0)
    return [(label, n, round(100 * n / top) if top else 0) for label, n in sorted(counts.items(), key=lambda x: -x[1])]


def _rows(r: TransparencyReport) -> list[Row]:
    rows: list[Row] = []
    o = r.orders
    rows += [
        ("orders", "orders_received", "", o.received, "DSA Art 15(1)(a); TCO Art 7(3)(c)"),
        ("orders", "orders_acted_on", "", o.acted_on, "TCO Art 7(3)(c)"),
        ("orders", "items_disabled_under_orders", "", o.items_disabled, "TCO Art 7(3)(c)"),
        ("orders", "median_minutes_to_give_effect", "", o.median_minutes_to_act, "DSA Art 15(1)(a)"),
        ("orders", "worst_minutes_to_give_effect", "", o.worst_minutes_to_act, "TCO Art 3(3)"),
        ("orders", "orders_acted_on_late", "", o.late, "TCO Art 3(3)"),
        ("orders", "items_reinstated_after_scrutiny", "", o.items_reinstated, "TCO Art 7(3)(f), Art 4(7)"),
    ]
    rows += _breakdown("orders", "orders_not_executed", o.not_executed, "TCO Art 7(3)(c), Art 3(7)-(8)")
    rows += _breakdown("orders", "orders_by_member_state", o.by_member_state, "DSA Art 15(1)(a)")
    n = r.notices
    rows.append(("notices", "notices_received", "", n.received, "DSA Art 15(1)(b)"))
    rows += _breakdown("notices", "notices_by_type", n.by_type, "DSA Art 15(1)(b)")
    rows.append(("notices", "notices_from_trusted_flaggers", "", n.from_trusted_flaggers, "DSA Art 15(1)(b), Art 22"))
    rows += _breakdown("notices", "trusted_flagger_notices_by_type", n.trusted_by_type, "DSA Art 15(1)(b), Art 22")
    rows += _breakdown("notices", "notices_by_outcome", n.outcome, "DSA Art 15(1)(b)")
    rows.append(("notices", "notices_decided_by_automated_means", "", n.decided_by_automated_means, "DSA Art 15(1)(b)"))
    rows.append(("notices", "median_hours_to_decision", "", n.median_hours_to_decision, "DSA Art 15(1)(b)"))
    x = r.restrictions
    rows.append(("own_initiative", "restrictions", "", x.total, "DSA Art 15(1)(c)"))
    rows.append(("own_initiative", "restrictions_fully_automated", "", x.fully_automated, "DSA Art 15(1)(c)"))
    rows += _breakdown("own_initiative", "restrictions_by_detection_source", x.by_source, "DSA Art 15(1)(c)")
    rows += _breakdown("own_initiative", "restrictions_by_category", x.by_category, "DSA Art 15(1)(c)")
    rows += _breakdown("own_initiative", "restrictions_by_language", x.by_language, "DSA Art 15(1)(c)")
    rows += _breakdown("own_initiative", "restrictions_by_type", x.by_restriction, "DSA Art 15(1)(c)")
    c = r.complaints
    rows.append(("complaints", "complaints_received", "", c.received, "DSA Art 15(1)(d); TCO Art 7(3)(d)"))
    rows += _breakdown("complaints", "complaints_by_outcome", c.outcomes, "DSA Art 15(1)(d); TCO Art 7(3)(d)")
    rows.append(("complaints", "median_hours_to_decide", "", c.median_hours_to_decide, "DSA Art 15(1)(d)"))
    rows.append(("complaints", "complaints_reversed", "", c.reversed, "DSA Art 15(1)(d); TCO Art 7(3)(g)"))
    rows += _breakdown("complaints", "complaints_by_kind", c.by_kind or {}, "DSA Art 20; TCO Art 10")
    rows.append(("complaints", "tco_complaints_answered_late", "", c.answered_late, "TCO Art 10(2)"))
    rows += _breakdown("tco", "reinstatements_by_cause", r.reinstatements, "TCO Art 7(3)(f)-(g)")
    rows.append(("threats", "threats_to_life_marked", "", r.threats.marked, "TCO Art 14(5); DSA Art 18"))
    rows.append(("threats", "referrals", "", r.threats.referrals, "TCO Art 14(5); DSA Art 18"))
    a = r.accuracy
    for d in a.detectors:
        rows.append(("automated_means", "flags_decided", d.detector, d.decided, "DSA Art 15(1)(e)"))
        rows.append(("automated_means", "flags_upheld", d.detector, d.upheld, "DSA Art 15(1)(e)"))
        rows.append(("automated_means", "precision", d.detector, d.precision, "DSA Art 15(1)(e)"))
    rows.append(("automated_means", "automatic_removals", "", a.automatic_removals, "DSA Art 15(1)(e)"))
    rows.append(
        ("automated_means", "automatic_removals_reversed", "", a.automatic_removals_reversed, "DSA Art 15(1)(e)")
    )
    return [(s, i, b, "" if v is None else v, basis) for s, i, b, v, basis in rows]


def _breakdown(section: str, indicator: str, counts: dict[str, int], basis: str) -> list[Row]:
    return [(section, indicator, key, value, basis) for key, value in counts.items()]


def _iso(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _iso(inner) for key, inner in value.items()}
    if isinstance(value, list):
        return [_iso(inner) for inner in value]
    return value
