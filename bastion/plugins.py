"""Every door into Bastion for a plugin, found through Python entry points.

| group                    | implements                                 | built from            |
|--------------------------|--------------------------------------------|-----------------------|
| `bastion.detectors`      | `bastion.detectors.base.Detector`          | `from_context(ctx)`   |
| `bastion.extractors`     | `bastion.detectors.base.Extractor`         | `from_context(ctx)`   |
| `bastion.action_targets` | `bastion.actions.base.ActionTarget`        | `from_context(ctx)`   |
| `bastion.legal_regimes`  | `bastion.legal.base.LegalRegime`           | `cls()`               |

Built-in plugins are registered in pyproject.toml the same way a third-party
package registers its own, so `pip install bastion-foo` is all it takes.
"""

from __future__ import annotations

from importlib.metadata import EntryPoint, entry_points
from typing import TYPE_CHECKING, TypeVar

from bastion.actions.base import ActionTarget
from bastion.detectors.base import Detector, Extractor
from bastion.legal.base import LegalRegime

if TYPE_CHECKING:
    from bastion.context import AppContext

DETECTORS = "bastion.detectors"
EXTRACTORS = "bastion.extractors"
ACTION_TARGETS = "bastion.action_targets"
LEGAL_REGIMES = "bastion.legal_regimes"
P = TypeVar("P")


class PluginError(RuntimeError):
    """A plugin named in configuration is missing or does not load."""


def _entry_points(group: str) -> dict[str, EntryPoint]:
    return {ep.name: ep for ep in entry_points(group=group)}


def _plugin_class(entry_point: EntryPoint, base: type[P]) -> type[P]:
    cls = entry_point.load()
    if not (isinstance(cls, type) and issubclass(cls, base)):
        raise PluginError(f"entry point {entry_point.name!r} is not a {base.__name__} subclass")
    return cls


def available_detectors() -> list[str]:
    return sorted(_entry_points(DETECTORS))


def load_detectors(context: AppContext) -> list[Detector]:
    found = _entry_points(DETECTORS)
    names = context.settings.detectors or sorted(found)
    missing = [n for n in names if n not in found]
    if missing:
        raise PluginError(f"unknown detector(s) {missing}; installed: {sorted(found)}")
    return [_plugin_class(found[name], Detector).from_context(context) for name in names]


def load_extractors(context: AppContext) -> list[Extractor]:
    return [_plugin_class(ep, Extractor).from_context(context) for _, ep in sorted(_entry_points(EXTRACTORS).items())]


def load_action_target(context: AppContext) -> ActionTarget | None:
    """The target named by BASTION_ACTION_TARGET, or None while it lacks its settings (actions then wait)."""
    name = context.settings.action_target
    found = _entry_points(ACTION_TARGETS)
    if name not in found:
        raise PluginError(f"unknown action target {name!r}; installed: {sorted(found)}")
    return _plugin_class(found[name], ActionTarget).from_context(context)


def load_legal_regimes() -> list[LegalRegime]:
    return [_plugin_class(ep, LegalRegime)() for _, ep in sorted(_entry_points(LEGAL_REGIMES).items())]
