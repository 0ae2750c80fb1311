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


def loads(text: str | bytes) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise MalformedJSON(f"malformed JSON: {error.msg} at line {error.lineno} column {error.colno}") from None
    except RecursionError:
        raise MalformedJSON("malformed JSON: nested too deeply") from None
    except UnicodeDecodeError as error:
        raise MalformedJSON(f"not valid UTF-8 (byte {error.start})") from None
    except ValueError:  # an integer beyond Python's digit limit (4,300)
        raise MalformedJSON("malformed JSON: a number has too many digits") from None


def unpaired_surrogate(value: Any, path: str = "") -> str | None:
    """Where in `value` (strings, dict keys and values, lists, at any depth) an unpaired surrogate sits, if any.

    Iterative, so a value nested deeper than Python's recursion limit is walked too."""
    pending: list[tuple[str, Any]] = [(path, value)]
    while pending:
        where, current = pending.pop()
        if isinstance(current, str):
            if _SURROGATE.search(current):
                return where or "(value)"
        elif isinstance(current, dict):
            for key, inner in current.items():
                name = f"{where}.{key}" if where else str(key)
                if isinstance(key, str) and _SURROGATE.search(key):
                    return where or "(keys)"
                pending.append((name, inner))
        elif isinstance(current, list | tuple):
            pending.extend((f"{where}[{index}]", inner) for index, inner in enumerate(current))
    return None


def without_surrogates(value: Any) -> Any:
    """`value` with every unpaired surrogate, in strings and dict keys at any depth, made U+FFFD."""
    if unpaired_surrogate(value) is None:
        return value
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {without_surrogates(key): without_surrogates(inner) for key, inner in value.items()}
    if isinstance(value, list | tuple):
        return [without_surrogates(inner) for inner in value]
    return value
