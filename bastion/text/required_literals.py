"""The strings a regular expression cannot match without: one pass over a text skips most patterns on most texts.

A term list runs every pattern over every text, and Python's `re` scans a
pattern that opens with a look-behind or an alternation position by position
(up to 18 µs per pattern on a short post). Most texts contain none of the
words a pattern needs, so a pattern is only run where one of its required
strings appears. Both sides are compared after `fold`, which maps every
character to one representative of the characters `re.IGNORECASE` treats as
equal, so the test never skips a text the pattern would match, with or without
IGNORECASE.

Why one pass: a `word in text` for each string of each pattern is a Python
loop over every pattern for every text (212 steps per item with the shipped
lists; in a profile, two fifths of the term lists' CPU). `RequiredScan` builds one
Aho-Corasick automaton over the strings of all the patterns, which reads the
folded text once, in C, and reports every string occurring in it, overlapping
and nested ones included: exactly the strings `s in folded_text` would find,
so the argument above holds unchanged.
"""

from __future__ import annotations

import _sre
from collections.abc import Sequence
from functools import cache
from re import _casefix, _constants, _parser  # type: ignore[attr-defined]  # the parser and case rules of `re`
from typing import Any

import ahocorasick

_REPEATS = (_constants.MAX_REPEAT, _constants.MIN_REPEAT, _constants.POSSESSIVE_REPEAT)
# No character past the Supplementary Multilingual Plane has case (checked for Python 3.11's tables): a tenth of
# the scan.
_CASED_UP_TO = 0x20000
Required = frozenset[str] | None  # None: nothing is required (or nothing long enough to be worth a test)


def required_literals(pattern: str, flags: int = 0, shortest: int = 3) -> Required:
    """Folded strings at least one of which every match of `pattern` contains; None when the best such set
    has a string shorter than `shortest` (a test for "a" or "de" would skip nothing)."""
    try:
        parsed = _parser.parse(pattern, flags)
    except Exception:  # the term's own compile reports a broken pattern; here it only means no test
        return None
    found = _required(list(parsed))
    if found is None or min(len(s) for s in found) < shortest:
        return None
    return frozenset(fold(s) for s in found)


class RequiredScan:
    """Which of many patterns may match a text: those whose required strings it holds, and those requiring none."""

    def __init__(self, requirements: Sequence[Required]) -> None:
        self._unconditional = frozenset(i for i, required in enumerate(requirements) if required is None)
        self._automaton = _automaton_of(requirements)

    def candidates(self, folded_text: str) -> list[int]:
        """The indices, ascending, of the patterns that may match; `folded_text` is a text passed through `fold`."""
        found = set(self._unconditional)
        if self._automaton is not None:
            # `iter` reports every occurrence, overlapping and nested ones too, as `s in text` would.
            for _, patterns in self._automaton.iter(folded_text):
                found.update(patterns)
        return sorted(found)


def _automaton_of(requirements: Sequence[Required]) -> ahocorasick.Automaton | None:
    """An automaton whose keys are the required strings, each valued with the indices of the patterns needing it;
    None when no pattern requires anything (pyahocorasick refuses to scan with no keys)."""
    needed_by: dict[str, list[int]] = {}
    for index, required in enumerate(requirements):
        for string in required or ():
            needed_by.setdefault(string, []).append(index)
    if not needed_by:
        return None
    automaton = ahocorasick.Automaton()
    for string, patterns in needed_by.items():
        automaton.add_word(string, tuple(patterns))
    automaton.make_automaton()
    return automaton


def fold(text: str) -> str:
    """`text` with each character replaced by the lowest of the characters `re.IGNORECASE` matches it with."""
    return text.translate(_fold_table())


@cache
def _fold_table() -> dict[int, int]:
    table = {}
    for code in range(_CASED_UP_TO):
        lower = _sre.unicode_tolower(code)
        folded = min((lower, *_casefix._EXTRA_CASES.get(lower, ())))
        if folded != code:
            table[code] = folded
    return table


def _required(items: list[tuple[Any, Any]]) -> set[str] | None:
    """The strongest requirement of a sequence: a run of literals, or what one of its parts requires."""
    best: set[str] | None = None
    run: list[str] = []

    def consider(candidate: set[str] | None) -> None:
        nonlocal best
        if candidate and all(candidate) and (best is None or _strength(candidate) > _strength(best)):
            best = candidate

    for op, argument in items:
        if op is _constants.LITERAL:
            run.append(chr(argument))
            continue
        consider({"".join(run)} if run else None)
        run = []
        consider(_required_of(op, argument))
    consider({"".join(run)} if run else None)
    return best


def _required_of(op: Any, argument: Any) -> set[str] | None:
    if op is _constants.SUBPATTERN:
        return _required(list(argument[3]))
    if op is _constants.ATOMIC_GROUP:
        return _required(list(argument))
    if op in _REPEATS and argument[0] >= 1:
        return _required(list(argument[2]))
    if op is _constants.BRANCH:
        branches = [_required(list(branch)) for branch in argument[1]]
        return None if any(b is None for b in branches) else set().union(*branches)  # type: ignore[arg-type]
    return None  # a class, a wildcard, an anchor, a look-around or a back-reference requires no literal


def _strength(candidate: set[str]) -> int:
    return min(len(s) for s in candidate)
