"""Rules: policy as data. YAML files of CEL conditions, versioned, live or in shadow.

`Policy.load(dir)` reads and validates every policy file; `Policy.decide(item,
signals, lang)` returns a `Decision`. This package's face is the decision core
only and loads no database: what rules did over time lives beside it, in
`rules.alerts` (fires per hour, alerts when a rule suddenly fires far more) and
`rules.backtest` (replaying stored items through a candidate policy).
"""

from bastion.rules.expressions import Condition, ExpressionError
from bastion.rules.policy import Decision, Policy, PolicyError, Rule, RuleSpec

__all__ = ["Condition", "Decision", "ExpressionError", "Policy", "PolicyError", "Rule", "RuleSpec"]
