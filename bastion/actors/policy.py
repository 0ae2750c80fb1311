"""The conduct policy (bastion/data/conduct/*.yaml): strike weights and decay, thresholds written in CEL over an
actor's facts, and the container, respawn and network settings. Loaded and checked once; a bad file is a clear
error naming what is wrong."""

from __future__ import annotations

from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any, Literal

import cel
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bastion.core import VIOLATING
from bastion.rules.expressions import Condition, ExpressionError

DEFAULT_CONDUCT_POLICY = Path(__file__).resolve().parent.parent / "data" / "conduct" / "default.yaml"


class ConductPolicyError(ValueError):
    """The conduct policy file cannot be read or is not valid."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Threshold(_Strict):
    name: str
    when: str
    priority: int = 30

    @field_validator("when")
    @classmethod
    def _compiles(cls, value: str) -> str:
        Condition(value)  # ExpressionError (a ValueError) becomes a validation error naming the threshold
        return value


class ContainerPolicy(_Strict):
    min_items: int = Field(default=10, ge=1)
    removed_share: float = Field(default=0.3, gt=0.0, le=1.0)
    priority: int = 30


class RespawnPolicy(_Strict):
    new_account_days: int = Field(default=14, ge=0)
    priority: int = 40


class NetworkPolicy(_Strict):
    window_minutes: int = Field(default=60, ge=1)
    min_shared: int = Field(default=2, ge=1)  # distinct removed media or links two accounts share to be clustered


class ConductPolicy(_Strict):
    version: int = 1
    window_days: int = Field(default=30, ge=1)
    decay: Literal["linear", "none"] = "linear"
    strike_actions: list[str] = Field(default_factory=lambda: ["remove", "restrict"])
    weights: dict[str, float] = Field(default_factory=lambda: {"default": 1.0})
    thresholds: list[Threshold] = Field(default_factory=list)
    container: ContainerPolicy = ContainerPolicy()
    respawn: RespawnPolicy = RespawnPolicy()
    network: NetworkPolicy = NetworkPolicy()

    @field_validator("weights")
    @classmethod
    def _known_categories(cls, value: dict[str, float]) -> dict[str, float]:
        unknown = set(value) - {c.value for c in VIOLATING} - {"default"}
        if unknown:
            raise ValueError(f"weights name categories that are not violating ones: {sorted(unknown)}")
        return value

    @property
    def window(self) -> timedelta:
        return timedelta(days=self.window_days)

    def weight(self, category: str) -> float:
        return self.weights.get(category, self.weights.get("default", 1.0))

    def decayed(self, weight: float, age: timedelta) -> float:
        """What a strike of `weight` given `age` ago still counts."""
        if age >= self.window:
            return 0.0
        if self.decay == "none":
            return weight
        return weight * (1.0 - max(age, timedelta(0)) / self.window)

    def fired(self, facts: dict[str, Any]) -> list[Threshold]:
        """The thresholds these facts cross; a threshold that cannot read them does not fire."""
        context = cel.Context(facts)
        crossed = []
        for threshold in self.thresholds:
            try:
                if _condition(threshold.when).matches(context):
                    crossed.append(threshold)
            except ExpressionError:
                continue
        return crossed


@cache
def _condition(expression: str) -> Condition:
    return Condition(expression)


@cache
def load_conduct_policy(path: Path = DEFAULT_CONDUCT_POLICY) -> ConductPolicy:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise ConductPolicyError(f"cannot read the conduct policy {path}: {error}") from None
    try:
        return ConductPolicy.model_validate(raw or {})
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
        raise ConductPolicyError(f"the conduct policy {path} is not valid: {problems}") from None
