"""The edge readers: hostile JSON and lone surrogates, walked iteratively and in linear time."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bastion import wire

_LONE = re.compile("[\ud800-\udfff]")

# Strings that may hold lone surrogates (category Cs), keys too, nested a few levels.
_TEXT = st.text(st.characters(codec=None, categories=("L", "N", "P", "Zs", "Cs")), max_size=8)
_JSONISH: st.SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | st.integers() | _TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner, max_size=4),
    max_leaves=30,
)


def _reference(value: Any) -> Any:
    """The repair spelt out recursively, for shallow values: what `without_surrogates` must equal."""
    if isinstance(value, str):
        return _LONE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {_reference(key): _reference(inner) for key, inner in value.items()}
    if isinstance(value, list | tuple):
        return [_reference(inner) for inner in value]
    return value


def _strings(value: Any) -> list[str]:
    found, pending = [], [value]
    while pending:
        current = pending.pop()
        if isinstance(current, str):
            found.append(current)
        elif isinstance(current, dict):
            found.extend(k for k in current if isinstance(k, str))
            pending.extend(current.values())
        elif isinstance(current, list):
            pending.extend(current)
    return found


@given(_JSONISH)
def test_repair_leaves_no_lone_surrogate_and_changes_nothing_else(value: Any) -> None:
    repaired = wire.without_surrogates(value)

    assert repaired == _reference(value)
    assert not any(_LONE.search(s) for s in _strings(repaired))
    assert wire.unpaired_surrogate(repaired) is None


@given(_JSONISH)
def test_a_value_without_surrogates_comes_back_as_itself(value: Any) -> None:
    clean = _reference(value)

    assert wire.without_surrogates(clean) is clean


@given(_JSONISH)
def test_the_finder_agrees_with_the_repair(value: Any) -> None:
    has_lone = any(_LONE.search(s) for s in _strings(value))

    assert (wire.unpaired_surrogate(value) is not None) == has_lone


def test_the_finder_names_where_the_surrogate_sits() -> None:
    value = {"a": [1, {"b": "fine"}, {"c": "bad \ud800"}]}

    assert wire.unpaired_surrogate(value) == "a[2].c"
    assert wire.unpaired_surrogate(value, "metadata") == "metadata.a[2].c"
    assert wire.unpaired_surrogate({"k\udc00": 1}) == "(keys)"
    assert wire.unpaired_surrogate("\ud83d") == "(value)"


def _nested(depth: int, leaf: Any) -> Any:
    value = leaf
    for level in range(depth):
        value = {"k": value, "s": f"level {level} \ud800"} if level % 2 else [value, "x\udfff"]
    return value


def test_values_deeper_than_the_recursion_limit_are_repaired() -> None:
    deep = _nested(5000, "end \ud83d")

    repaired = wire.without_surrogates(deep)

    assert wire.unpaired_surrogate(repaired) is None
    assert wire.nesting_depth(repaired) == 5000


def test_repair_looks_at_each_string_a_bounded_number_of_times(monkeypatch: pytest.MonkeyPatch) -> None:
    """Linear work: nested objects ending in lone surrogates once took depth x size searches (14 s for 0.96 MB)."""
    searches = 0
    pattern = wire._SURROGATE

    class Counting:
        def search(self, text: str) -> re.Match[str] | None:
            nonlocal searches
            searches += 1
            return pattern.search(text)

        def sub(self, replacement: str, text: str) -> str:
            nonlocal searches
            searches += 1
            return pattern.sub(replacement, text)

    monkeypatch.setattr(wire, "_SURROGATE", Counting())
    value: Any = "end \ud83d"  # clean all the way down, the one lone surrogate at the very end
    for level in range(300):
        value = {"k": value, "s": f"level {level}"}
    strings = len(_strings(value))

    wire.without_surrogates(value)

    assert searches <= 3 * strings


@pytest.mark.parametrize("depth", [65, 500, 990, 100_000])
def test_json_nested_past_the_limit_is_malformed(depth: int) -> None:
    text = '{"a": ' * depth + "1" + "}" * depth

    with pytest.raises(wire.MalformedJSON, match="nested too deeply"):
        wire.loads(text)


def test_json_within_the_limit_is_read() -> None:
    depth = wire.MAX_DEPTH
    text = "[" * depth + "]" * depth

    assert wire.nesting_depth(wire.loads(text)) == depth


def test_the_depth_walk_stops_at_the_first_level_past_its_limit() -> None:
    """A refusal need not walk a whole hostile document: one nested 5,000 deep is known too deep at 65."""
    deep = _nested(5000, "end")

    assert wire.nesting_depth(deep, stop_past=64) == 65
    assert wire.nesting_depth(deep) == 5000
