"""Reading a labelled file never fails any other way than with a named line."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from bastion.training.labelled import LabelledFileError, read_labelled

json_values = st.none() | st.booleans() | st.integers() | st.text(max_size=20) | st.lists(st.integers(), max_size=2)
mostly_text = st.text(max_size=20) | json_values
rows = st.fixed_dictionaries(
    {"text": mostly_text, "label": mostly_text},
    optional={field: mostly_text for field in ("lang", "source", "basis", "category", "collection", "id")},
)


def _read(content: bytes) -> list[tuple[int, dict[str, object]]] | LabelledFileError:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "rows.jsonl"
        path.write_bytes(content)
        try:
            return list(read_labelled(path))
        except LabelledFileError as error:
            assert "rows.jsonl:" in str(error)
            return error


@given(st.lists(rows, max_size=4))
def test_any_rows_are_read_checked_or_refused_by_line(candidates: list[dict[str, object]]) -> None:
    outcome = _read("".join(json.dumps(row) + "\n" for row in candidates).encode())

    if not isinstance(outcome, LabelledFileError):
        for _, row in outcome:
            assert isinstance(row["text"], str)
            assert isinstance(row["label"], str) and row["label"] == row["label"].strip().lower() != ""
            assert all(row.get(field) is None or isinstance(row[field], str) for field in ("lang", "source", "basis"))


@given(st.binary(max_size=200))
def test_any_bytes_are_read_or_refused_by_line(content: bytes) -> None:
    outcome = _read(content)

    assert isinstance(outcome, LabelledFileError | list)
