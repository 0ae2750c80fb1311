"""Eval's TVEC figures from counts worked out by hand: precision, recall and F1 are three different numbers."""

from __future__ import annotations

from bastion.training.evaluate import Row, tvec_figures


def _rows(label: str, judged: bool, flagged: int, missed: int) -> list[Row]:
    return [Row(label, judged, "en", "test", None, True, None) for _ in range(flagged)] + [
        Row(label, judged, "en", "test", None, False, None) for _ in range(missed)
    ]


def test_precision_recall_and_f1_from_known_counts() -> None:
    # 3 of 4 judged TVEC caught; 2 of 6 other texts flagged: precision 3/5, recall 3/4, F1 6/9.
    rows = _rows("tvec", True, 3, 1) + _rows("news", True, 2, 4)

    figures = tvec_figures(rows)

    assert figures == {"precision": 0.6, "recall": 0.75, "f1": 0.6667, "support": 4}


def test_nothing_flagged_has_no_precision_but_a_recall_of_zero() -> None:
    figures = tvec_figures(_rows("tvec", True, 0, 2) + _rows("news", True, 0, 3))

    assert figures == {"precision": None, "recall": 0.0, "f1": 0.0, "support": 2}
