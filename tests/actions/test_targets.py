"""Action targets are plugins: the deployment names one, and it is built from the application context."""

from __future__ import annotations

from pathlib import Path

import pytest

from bastion.actions.base import PlatformAction
from bastion.actions.webhook import WebhookTarget
from bastion.context import AppContext
from bastion.plugins import PluginError, load_action_target
from bastion.settings import Settings


def test_the_webhook_target_is_built_when_its_url_and_secret_are_set(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, action_webhook_url="http://127.0.0.1:9/hook", action_webhook_secret="s")
    target = load_action_target(AppContext.read_only(settings))
    assert isinstance(target, WebhookTarget) and target.url == "http://127.0.0.1:9/hook"


def test_without_a_secret_there_is_no_target_and_actions_wait(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, action_webhook_url="http://127.0.0.1:9/hook")
    assert load_action_target(AppContext.read_only(settings)) is None


def test_an_unknown_target_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(PluginError, match="unknown action target 'carrier-pigeon'"):
        load_action_target(AppContext.read_only(Settings(data_dir=tmp_path, action_target="carrier-pigeon")))


def test_an_unreachable_platform_is_an_error_to_retry_not_an_exception() -> None:
    error = WebhookTarget("http://127.0.0.1:9/hook", "s", timeout=2).deliver(
        PlatformAction(1, "p", "remove", {}, "test-platform")
    )
    assert error is not None and "Error" in error
