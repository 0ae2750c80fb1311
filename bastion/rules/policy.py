"""Policy files: YAML rules whose conditions are CEL expressions, validated at load time.

A rule is data: a name, an integer version, a CEL condition, an action, and a
mode (`live` acts, `shadow` only records what it would have done). The policy
version is a digest of every file, so a verdict names exactly which rules
decided it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import structlog
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bastion.core import Action, Category, Item, RuleRef, Signal
from bastion.rules.expressions import Condition, ExpressionError, evaluation_context, words_of

log = structlog.get_logger(__name__)


class RuleExample(BaseModel):
    """An inline test: this item and these signals do (or do not) fire the rule."""

    model_config = ConfigDict(extra="forbid")

    item: dict[str, Any] = Field(default_factory=lambda: {"id": "example", "text": "example"})
    signals: list[Signal] = Field(default_factory=list)
    fires: bool


class RuleSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]{0,127}$")
    version: int = Field(ge=1)
    description: str = ""
    when: str = Field(min_length=1)
    action: Action
    categories: list[Category] = Field(default_factory=list)
    priority: int = Field(default=0, ge=0, le=100)
    mode: Literal["live", "shadow"] = "live"
    examples: list[RuleExample] = Field(default_factory=list)

    @field_validator("when")
    @classmethod
    def _compiles(cls, expression: str) -> str:
        Condition(expression)  # raises ExpressionError with the parser's message
        return expression


class PolicyFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rules: list[RuleSpec]


class PolicyError(ValueError):
    """A policy file is invalid; the message names the file, the rule and the problem."""


@dataclass(frozen=True)
class Rule:
    spec: RuleSpec
    condition: Condition

    @property
    def ref(self) -> RuleRef:
        return RuleRef(
            name=self.spec.name, version=self.spec.version, action=self.spec.action, shadow=self.spec.mode == "shadow"
        )


@dataclass(frozen=True)
class Decision:
    action: Action
    categories: list[Category] = field(default_factory=list)
    priority: int = 0
    fired: list[RuleRef] = field(default_factory=list)
    shadow: list[RuleRef] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Policy:
    rules: tuple[Rule, ...]
    version: str

    @classmethod
    def load(cls, directory: Path) -> Policy:
        files = sorted(directory.glob("*.y*ml"))
        if not files:
            raise PolicyError(f"no policy files (*.yaml) in {directory}")
        rules: list[Rule] = []
        digest = hashlib.sha256()
        for path in files:
            raw = path.read_bytes()
            digest.update(path.name.encode() + b"\0" + raw)
            rules.extend(_parse(path, raw))
        _refuse_duplicates(rules)
        return cls(tuple(rules), digest.hexdigest()[:12])

    @cached_property
    def _names(self) -> frozenset[str]:
        """The words the rules use: the context holds only what some rule can read."""
        return words_of(rule.condition.expression for rule in self.rules)

    def decide(self, item: Item, signals: list[Signal], lang: str | None) -> Decision:
        try:
            context = evaluation_context(item, signals, lang, self._names)
        except ExpressionError as problem:
            # Fail closed: an item no rule can read goes to a person, never through unseen.
            log.warning("item_unreadable_by_rules", item=item.id, problem=str(problem))
            return Decision(action=Action.REVIEW, errors=[f"every rule: the item cannot be read ({problem})"])
        fired: list[Rule] = []
        shadow: list[Rule] = []
        errors: list[str] = []
        for rule in self.rules:
            try:
                matched = rule.condition.matches(context)
            except ExpressionError as error:
                errors.append(f"{rule.spec.name}: {error}")
                continue
            if matched:
                (shadow if rule.spec.mode == "shadow" else fired).append(rule)
        if errors:
            log.warning("rule_errors", item=item.id, errors=errors)
        return _decision(fired, shadow, signals, errors)


def _decision(fired: list[Rule], shadow: list[Rule], signals: list[Signal], errors: list[str]) -> Decision:
    action = Action.strictest([r.spec.action for r in fired])
    categories: set[Category] = set()
    if action is not Action.ALLOW:
        for rule in fired:
            categories.update(rule.spec.categories or (s.category for s in signals if s.is_tvec))
    return Decision(
        action=action,
        categories=sorted(categories),
        priority=max((r.spec.priority for r in fired if r.spec.action is not Action.ALLOW), default=0),
        fired=[r.ref for r in fired],
        shadow=[r.ref for r in shadow],
        errors=errors,
    )


def _parse(path: Path, raw: bytes) -> list[Rule]:
    try:
        document = yaml.safe_load(raw)
        policy = PolicyFile.model_validate(document)
    except yaml.YAMLError as error:
        raise PolicyError(f"{path.name}: not valid YAML: {error}") from None
    except ValidationError as error:
        raise PolicyError(f"{path.name}: {_describe(error, document)}") from None
    return [Rule(spec, Condition(spec.when)) for spec in policy.rules]


def _describe(error: ValidationError, document: Any) -> str:
    problems = []
    for e in error.errors()[:5]:
        location = list(e["loc"])
        rule = ""
        if len(location) >= 2 and location[0] == "rules" and isinstance(location[1], int):
            try:
                rule = f"rule {document['rules'][location[1]].get('name', location[1])!r}: "
            except (KeyError, IndexError, TypeError, AttributeError):
                rule = f"rule #{location[1]}: "
            location = location[2:]
        where = ".".join(str(part) for part in location) or "file"
        problems.append(f"{rule}{where}: {e['msg']}")
    return "; ".join(problems)


def _refuse_duplicates(rules: list[Rule]) -> None:
    seen: set[str] = set()
    for rule in rules:
        if rule.spec.name in seen:
            raise PolicyError(f"rule {rule.spec.name!r} is defined twice")
        seen.add(rule.spec.name)
