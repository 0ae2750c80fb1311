"""A third-party detector joins through an entry point, exactly as `pip install` would add it."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from importlib import invalidate_caches
from pathlib import Path

import pytest

from bastion.context import AppContext
from bastion.core import Item
from bastion.pipeline import Pipeline
from bastion.plugins import PluginError, available_detectors, load_detectors
from bastion.settings import Settings

_MODULE = """
from bastion.core import Category, Signal
from bastion.detectors.base import Detector


class ShoutDetector(Detector):
    name = "shout"
    version = "0.1"

    @classmethod
    def from_context(cls, context):
        return cls()

    def detect(self, content):
        if any(f.original.isupper() for f in content.texts):
            return [Signal(detector=self.name, version=self.version, category=Category.THREAT, score=0.7)]
        return []
"""


@pytest.fixture
def installed_plugin(tmp_path: Path) -> Iterator[None]:
    (tmp_path / "shout_plugin.py").write_text(_MODULE)
    dist = tmp_path / "shout_plugin-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: shout-plugin\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[bastion.detectors]\nshout = shout_plugin:ShoutDetector\n")
    sys.path.insert(0, str(tmp_path))
    invalidate_caches()
    yield
    sys.path.remove(str(tmp_path))
    sys.modules.pop("shout_plugin", None)


def test_an_installed_plugin_is_discovered_and_runs(installed_plugin: None) -> None:
    assert "shout" in available_detectors()
    settings = Settings(detectors=["termlist", "shout"])
    pipeline = Pipeline.from_context(AppContext.read_only(settings))
    verdict = pipeline.check(Item(id="p", text="A PLAIN SHOUT"))
    assert [s.detector for s in verdict.signals] == ["shout"]
    assert verdict.action.value == "review"


def test_the_builtin_detectors_register_through_entry_points() -> None:
    assert {"termlist", "urllist"} <= set(available_detectors())


def test_an_unknown_detector_name_is_a_clear_error() -> None:
    with pytest.raises(PluginError, match="unknown detector"):
        load_detectors(AppContext.read_only(Settings(detectors=["no-such-detector"])))
