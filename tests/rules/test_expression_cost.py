"""A rule too costly to run on every item is refused when the policy loads, with its name."""

from __future__ import annotations

from pathlib import Path

import pytest

from bastion.core import Item
from bastion.rules import Condition, ExpressionError, Policy, PolicyError
from bastion.rules.expressions import MAX_COMPREHENSIONS, MAX_DEPTH, MAX_LENGTH, cost_of, evaluation_context
from bastion.settings import Settings
from tests.cli.test_scan import run_bastion

NESTED = "signals.exists(s, signals.all(t, signals.exists(u, u.score > t.score)))"
COSTLY = {
    "nested comprehensions": NESTED,
    "spaced nested comprehensions": "[1] . exists ( x, // a comment's quote\n [2].all(y, true))",
    "too many comprehensions": " || ".join(["signals.exists(s, s.score > 0.5)"] * (MAX_COMPREHENSIONS + 1)),
    "deep nesting": "(" * (MAX_DEPTH + 1) + "true" + ")" * (MAX_DEPTH + 1),
    "huge expression": "item.text == '" + "a" * MAX_LENGTH + "'",
    "hidden after a raw string": 'r"a\\" == "b" || [1].exists(x, [2].all(y, true))',
}


def _write(tmp_path: Path, when: str) -> Path:
    """A policy of one cheap rule and `runaway-rule`, whose condition is `when` (as a YAML block)."""
    directory = tmp_path / "pol"
    directory.mkdir(exist_ok=True)
    block = "\n      ".join(when.split("\n"))
    (directory / "p.yaml").write_text(
        "rules:\n  - {name: cheap, version: 1, when: 'max_score > 0.5', action: review}\n"
        f"  - name: runaway-rule\n    version: 1\n    action: review\n    when: |-\n      {block}\n"
    )
    return directory


@pytest.mark.parametrize("expression", COSTLY.values(), ids=COSTLY.keys())
def test_a_costly_rule_is_refused_at_load_time_by_name(tmp_path: Path, expression: str) -> None:
    with pytest.raises(PolicyError, match=r"rule 'runaway-rule'.*too costly"):
        Policy.load(_write(tmp_path, expression))


def test_rules_test_refuses_a_costly_rule_by_name(tmp_path: Path) -> None:
    result = run_bastion(["rules", "test", str(_write(tmp_path, NESTED))], tmp_path)
    assert result.returncode == 2
    error = result.stderr.decode()
    assert "runaway-rule" in error and "comprehension inside another" in error


def test_the_default_policy_is_within_budget() -> None:
    default = Policy.load(Settings().policy_dir)
    assert default.rules
    for rule in default.rules:
        assert cost_of(rule.spec.when).problem() is None


@pytest.mark.parametrize(
    "expression",
    [
        "signals.map(s, s.score).exists(x, x > 0.5)",  # chained, not nested: the costs add up
        "item.text == 'signals.exists(s, signals.all(t, true))'",  # macros inside a string are text
        "item.text == '''(((((((((((((((((((('''",
        "has(item.metadata.reports) && item.metadata.reports > 3",
    ],
)
def test_cheap_conditions_compile_and_run(expression: str) -> None:
    condition = Condition(expression)
    assert condition.matches(evaluation_context(Item(id="i", text="t", metadata={"reports": 4}), [], "en")) in (
        True,
        False,
    )


def test_the_limits_measure_what_they_say() -> None:
    cost = cost_of(NESTED)
    assert (cost.comprehensions, cost.comprehension_nesting, cost.depth) == (3, 3, 3)
    with pytest.raises(ExpressionError, match="too costly"):
        Condition(NESTED)
