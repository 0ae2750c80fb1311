"""The one interface every action target implements: deliver one decided action to the platform."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from bastion.context import AppContext


@dataclass(frozen=True)
class PlatformAction:
    """An action a decision asks the platform to carry out (remove, restrict, label, restore...).

    `delivery` is the outbox id: delivery is at-least-once, so the platform drops a
    delivery id it has already seen. `platform` is whose item it is (item ids are the
    platform's own): a target may route by it; the JSON sent keeps the item contract.
    """

    delivery: int
    item_id: str
    action: str
    details: dict[str, Any]
    platform: str

    def as_json(self) -> dict[str, Any]:
        return {"delivery": self.delivery, "item_id": self.item_id, "action": self.action, **self.details}


class ActionTarget(ABC):
    """Where decided actions go. Registered in the `bastion.action_targets` entry-point group."""

    name: ClassVar[str]

    @classmethod
    @abstractmethod
    def from_context(cls, context: AppContext) -> ActionTarget | None:
        """The target as this deployment configures it, or None when it is not configured."""

    @abstractmethod
    def deliver(self, action: PlatformAction) -> str | None:
        """Send one action; None when the platform acknowledged it, else why not (it is retried later)."""

    def close(self) -> None:  # noqa: B027 - most targets hold nothing to release
        """Release connections when the process stops."""
