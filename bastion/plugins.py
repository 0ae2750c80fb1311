"""Every door into Bastion for a plugin, found through Python entry points.

| group                 | implements                               |
|-----------------------|------------------------------------------|
| `bastion.detectors`   | `bastion.detectors.base.Detector`        |
| `bastion.extractors`  | `bastion.detectors.base.Extractor`       |

Built-in plugins are registered in pyproject.toml the same way a third-party
package registers its own, so `pip install bastion-foo` is all it takes.
"""

from __future__ import annotations

from importlib.metadata import EntryPoint, entry_points
from typing import TYPE_CHECKING

from bastion.detectors.base import Detector, Extractor

if TYPE_CHECKING:
    from bastion.context import AppContext

DETECTORS = "bastion.detectors"
EXTRACTORS = "bastion.extractors"


class PluginError(RuntimeError):
    """A plugin named in configuration is missing or does not load."""


def _entry_points(group: str) -> dict[str, EntryPoint]:
    return {ep.name: ep for ep in entry_points(group=group)}


def available_detectors() -> list[str]:
    return sorted(_entry_points(DETECTORS))


def load_detectors(context: AppContext) -> list[Detector]:
    found = _entry_points(DETECTORS)
    names = context.settings.detectors or sorted(found)
    missing = [n for n in names if n not in found]
    if missing:
        raise PluginError(f"unknown detector(s) {missing}; installed: {sorted(found)}")
    detectors = []
    for name in names:
        cls = found[name].load()
        if not (isinstance(cls, type) and issubclass(cls, Detector)):
            raise PluginError(f"entry point {name!r} is not a Detector subclass")
        detectors.append(cls.from_context(context))
    return detectors


def load_extractors(context: AppContext) -> list[Extractor]:
    extractors = []
    for name, ep in sorted(_entry_points(EXTRACTORS).items()):
        cls = ep.load()
        if not (isinstance(cls, type) and issubclass(cls, Extractor)):
            raise PluginError(f"entry point {name!r} is not an Extractor subclass")
        extractors.append(cls.from_context(context))
    return extractors
