"""Rules: policy as data. YAML files of CEL conditions, versioned, live or in shadow.

`Policy.load(dir)` reads and validates every policy file; `Policy.decide(item,
signals, lang)` returns a `Decision`; `record_fires` counts fires per hour so
that `rate_alerts` can say when a rule suddenly fires far more than usual;
`backtest` replays stored items through a candidate policy.
"""

from bastion.rules.alerts import RuleAlert, raise_alerts, rate_alerts, record_fires
from bastion.rules.backtest import BacktestReport, backtest
from bastion.rules.expressions import Condition, ExpressionError
from bastion.rules.policy import Decision, Policy, PolicyError, Rule, RuleSpec

__all__ = [
    "BacktestReport",
    "Condition",
    "Decision",
    "ExpressionError",
    "Policy",
    "PolicyError",
    "Rule",
    "RuleAlert",
    "RuleSpec",
    "backtest",
    "raise_alerts",
    "rate_alerts",
    "record_fires",
]
