"""Untrusted JSON and strings at Bastion's edges (API bodies, files): read them or say what is wrong.

`json.loads` fails on hostile input in ways its callers do not expect:
`RecursionError` for deep nesting, `ValueError` for integers of thousands of
digits, and it happily returns unpaired surrogates ("\\ud800") that no
database, encoder or rule engine downstream can handle. Everything that
reads JSON from outside goes through `loads`; content is repaired with
`without_surrogates` (half an emoji, as truncated posts often end, must not
keep a post from being checked), and other strings are refused where
`unpaired_surrogate` finds one.
"""

from __future__ import annotations

import json
import re
from typing import Any

_SURROGATE = re.compile("[\ud800-\udfff]")


class MalformedJSON(ValueError):
    """The text is not JSON Bastion can read; the message says why, in a sentence."""


# Deeper than any item, bank entry or labelled row needs (their metadata is a few levels at most), and far
# below Python's recursion limit, so that nothing downstream (rules, JSON columns, encoders) recurses into
# a hostile document: one nested 900 levels was a RecursionError, a 500 or a reset connection.
MAX_DEPTH = 64


def loads(text: str | bytes, max_depth: int = MAX_DEPTH) -> Any:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise MalformedJSON(f"malformed JSON: {error.msg} at line {error.lineno} column {error.colno}") from None
    except RecursionError:
        raise MalformedJSON(f"malformed JSON: nested too deeply (the limit is {max_depth} levels)") from None
    except UnicodeDecodeError as error:
        raise MalformedJSON(f"not valid UTF-8 (byte {error.start})") from None
    except ValueError:  # an integer beyond Python's digit limit (4,300)
        raise MalformedJSON("malformed JSON: a number has too many digits") from None
    if nesting_depth(value, stop_past=max_depth) > max_depth:
        raise MalformedJSON(f"malformed JSON: nested too deeply (the limit is {max_depth} levels)")
    return value


def nesting_depth(value: Any, stop_past: int | None = None) -> int:
    """How many objects and arrays deep `value` goes (a scalar is 0); iterative, linear in its size.

    With `stop_past`, the walk ends at the first container deeper than that and says so (its depth): a
    document nested 600 deep is refused after 65 levels, not after all of them (a refusal cost as much
    CPU as a check)."""
    deepest = 0
    pending: list[tuple[Any, int]] = [(value, 0)]
    while pending:
        current, depth = pending.pop()
        if isinstance(current, dict):
            current = current.values()
        elif not isinstance(current, list | tuple):
            continue
        deepest = max(deepest, depth + 1)
        if stop_past is not None and deepest > stop_past:
            return deepest
        pending.extend((inner, depth + 1) for inner in current if isinstance(inner, dict | list | tuple))
    return deepest


def value_count(value: Any) -> int:
    """How many values (strings, numbers, objects, arrays...) `value` holds, itself included; iterative."""
    count = 0
    pending: list[Any] = [value]
    while pending:
        current = pending.pop()
        count += 1
        if isinstance(current, dict):
            pending.extend(current.values())
        elif isinstance(current, list | tuple):
            pending.extend(current)
    return count


def unpaired_surrogate(value: Any, path: str = "") -> str | None:
    """Where in `value` (strings, dict keys and values, lists, at any depth) an unpaired surrogate sits, if any.

    Iterative and linear in the size of `value`: a value nested deeper than Python's recursion limit is
    walked too, and a node's path is spelt out only for the one found (building every path on the way
    down costs depth x size)."""
    parents: list[tuple[int, str]] = [(-1, path)]  # (parent's index, this node's own part of the path)
    pending: list[tuple[int, Any]] = [(0, value)]
    while pending:
        node, current = pending.pop()
        if isinstance(current, str):
            if _SURROGATE.search(current):
                return _path(parents, node) or "(value)"
        elif isinstance(current, dict):
            for key, inner in current.items():
                if isinstance(key, str) and _SURROGATE.search(key):
                    return _path(parents, node) or "(keys)"
                parents.append((node, f".{key}"))
                pending.append((len(parents) - 1, inner))
        elif isinstance(current, list | tuple):
            for index, inner in enumerate(current):
                parents.append((node, f"[{index}]"))
                pending.append((len(parents) - 1, inner))
    return None


def _path(parents: list[tuple[int, str]], node: int) -> str:
    parts: list[str] = []
    while node >= 0:
        node, part = parents[node]
        parts.append(part)
    return "".join(reversed(parts)).removeprefix(".")


def without_surrogates(value: Any) -> Any:
    """`value` with every unpaired surrogate, in strings and dict keys at any depth, made U+FFFD.

    One pass to look, one to copy (only when something needs repair), both iterative: linear in the
    size of `value`, whatever its depth. Lists and tuples come back as lists."""
    if unpaired_surrogate(value) is None:
        return value
    root = _repaired_shell(value)
    pending: list[tuple[Any, Any]] = [(value, root)] if isinstance(value, dict | list | tuple) else []
    while pending:
        source, copy = pending.pop()
        pairs = source.items() if isinstance(source, dict) else enumerate(source)
        for key, inner in pairs:
            shell = _repaired_shell(inner)
            if isinstance(copy, dict):  # the key is inserted now, so the copy keeps the source's order
                copy[_SURROGATE.sub("\ufffd", key) if isinstance(key, str) else key] = shell
            else:
                copy.append(shell)
            if isinstance(inner, dict | list | tuple):
                pending.append((inner, shell))
    return root


def _repaired_shell(value: Any) -> Any:
    """A repaired string, an empty container to be filled, or the value itself."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {}
    if isinstance(value, list | tuple):
        return []
    return value
