"""Rule conditions in CEL (Common Expression Language): safe, side-effect free, never eval.

The context a condition sees:

| name        | value |
|-------------|-------|
| `item`      | `{id, kind, text, author, surface, lang, metadata}` |
| `signals`   | `[{detector, version, category, score, evidence}]` |
| `lang`      | the item's language, or `""` when unknown |
| `violating` | the violating category names (`incitement`, ..., `attack_footage`) |
| `protected` | the protected-context category names (`news`, ..., `religious`) |
| `max_score` | the highest signal score, 0.0 without signals |

Use `has(x.field)` before reading a key that may be missing: a condition that
errors on an item does not fire, and the error is reported. The context holds
only the variables, fields and evidence keys that some rule of the policy
names (`s.evidence.exact`, `s.evidence["exact"]`): a condition that counts or
walks the keys of an evidence map sees only the named ones.

Every condition runs on every item, so its cost is bounded before it is
compiled: at most `MAX_LENGTH` characters, `MAX_DEPTH` levels of brackets,
`MAX_COMPREHENSIONS` comprehension macros (`all`, `exists`, `exists_one`,
`map`, `filter`) and no comprehension inside another (each level multiplies
the work by the size of a list the caller sends: three levels over a hundred
elements take half a second). The limits are measured on the expression's
text, outside string literals and comments, because the CEL library exposes
no syntax tree, no cost estimate and no way to interrupt an evaluation, so a
time budget could not stop a runaway condition, only notice it afterwards.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import cel

from bastion.core import PROTECTED, VIOLATING, Item, Signal

_VIOLATING = sorted(c.value for c in VIOLATING)
_PROTECTED = sorted(c.value for c in PROTECTED)
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class ExpressionError(ValueError):
    """A condition does not compile, or failed on one item."""


MAX_LENGTH = 2000
MAX_DEPTH = 16
MAX_COMPREHENSIONS = 4
MAX_COMPREHENSION_NESTING = 1
_MACRO = re.compile(r"\.\s*(?:all|exists|exists_one|existsOne|map|filter)\s*\(")
_OPENING, _CLOSING = "([{", ")]}"


@dataclass(frozen=True)
class Cost:
    """What an expression's text says about its worst case."""

    length: int
    depth: int
    comprehensions: int
    comprehension_nesting: int

    def problem(self) -> str | None:
        """Why the expression is too costly to run on every item, or None."""
        if self.length > MAX_LENGTH:
            return f"{self.length} characters, over the limit of {MAX_LENGTH}"
        if self.depth > MAX_DEPTH:
            return f"brackets nested {self.depth} deep, over the limit of {MAX_DEPTH}"
        if self.comprehensions > MAX_COMPREHENSIONS:
            return f"{self.comprehensions} comprehension macros, over the limit of {MAX_COMPREHENSIONS}"
        if self.comprehension_nesting > MAX_COMPREHENSION_NESTING:
            return "a comprehension inside another (its cost multiplies with the size of every list it walks)"
        return None


def cost_of(expression: str) -> Cost:
    """Length, bracket depth, comprehension macros and how deeply they nest, ignoring literals and comments."""
    code = _code_only(expression)
    macros = {match.end() - 1 for match in _MACRO.finditer(code)}  # where each macro's `(` is
    stack: list[bool] = []  # one entry per open bracket: whether it holds a comprehension's arguments
    depth = nesting = 0
    for index, char in enumerate(code):
        if char in _OPENING:
            stack.append(index in macros)
            depth, nesting = max(depth, len(stack)), max(nesting, sum(stack))
        elif char in _CLOSING and stack:
            stack.pop()
    return Cost(len(expression), depth, len(macros), nesting)


def _code_only(expression: str) -> str:
    """The expression with every string literal's content and every `//` comment blanked out."""
    out: list[str] = []
    index, size = 0, len(expression)
    while index < size:
        if expression.startswith("//", index):
            end = expression.find("\n", index)
            end = size if end < 0 else end
            out.append(" " * (end - index))
            index = end
            continue
        char = expression[index]
        if char not in "'\"":
            out.append(char)
            index += 1
            continue
        end = _string_end(expression, index)
        out.append(" " * (end - index))
        index = end
    return "".join(out)


def _string_end(expression: str, start: int) -> int:
    """Where the string literal opening at `start` ends; raw (`r"..."`) literals have no escapes."""
    prefix = expression[max(0, start - 2) : start].lower()
    raw = prefix.endswith("r") or prefix == "rb"
    quote = expression[start] * 3 if expression.startswith(expression[start] * 3, start) else expression[start]
    index = start + len(quote)
    while index < len(expression):
        if not raw and expression[index] == "\\":
            index += 2
        elif expression.startswith(quote, index):
            return index + len(quote)
        else:
            index += 1
    return len(expression)


class Condition:
    """A compiled CEL condition that answers true or false for a context."""

    def __init__(self, expression: str) -> None:
        problem = Cost(len(expression), 0, 0, 0).problem() or cost_of(expression).problem()
        if problem is not None:
            raise ExpressionError(f"too costly to run on every item: {problem}")
        try:
            self._program = cel.compile(expression)
        except (ValueError, RuntimeError) as error:
            raise ExpressionError(f"invalid CEL condition: {error}") from None
        self.expression = expression

    def matches(self, context: cel.Context) -> bool:
        try:
            result = self._program.execute(context)
        except (KeyError, RuntimeError, ValueError, TypeError) as error:
            raise ExpressionError(f"{type(error).__name__}: {error}") from None
        if not isinstance(result, bool):
            raise ExpressionError(f"the condition gave {type(result).__name__} {result!r}, not true or false")
        return result


def evaluation_context(
    item: Item, signals: list[Signal], lang: str | None, names: frozenset[str] | None = None
) -> cel.Context:
    """What every rule sees, converted to CEL once and shared by all of them (a plain dict would be
    converted again for each rule: 3.6× the time with four rules). ExpressionError when it cannot be.

    With `names` (every word the rules' expressions contain, `words_of`), a variable, field or evidence
    key no rule names is left out: converting every signal's evidence and the constant lists cost more
    than running the rules, and a rule cannot read a key it does not name."""
    try:
        return cel.Context(_variables(item, signals, lang, names))
    except (KeyError, RuntimeError, ValueError, TypeError) as error:
        raise ExpressionError(f"{type(error).__name__}: {error}"[:300]) from None


def words_of(expressions: Iterable[str]) -> frozenset[str]:
    """Every identifier-like word of the expressions, string literals included (so `s["evidence"]` counts)."""
    return frozenset(word for expression in expressions for word in _WORD.findall(expression))


def _named_keys(evidence: dict[str, Any], names: frozenset[str] | None) -> dict[str, Any]:
    return evidence if names is None else {key: value for key, value in evidence.items() if key in names}


def _variables(item: Item, signals: list[Signal], lang: str | None, names: frozenset[str] | None) -> dict[str, Any]:
    def named(name: str) -> bool:
        return names is None or name in names

    variables: dict[str, Any] = {
        "item": {
            "id": item.id,
            "kind": item.kind.value,
            "text": item.text or "",
            "author": item.author or "",
            "surface": item.surface or "",
            "lang": item.lang or "",
            "metadata": item.metadata if named("metadata") else {},
        },
        "signals": [
            {
                "detector": s.detector,
                "version": s.version,
                "category": s.category.value,
                "score": s.score,
                "evidence": _named_keys(s.evidence, names) if named("evidence") else {},
            }
            for s in signals
        ],
        "lang": lang or "",
        "violating": _VIOLATING,
        "protected": _PROTECTED,
        "max_score": max((s.score for s in signals), default=0.0),
    }
    return {name: value for name, value in variables.items() if named(name)}
