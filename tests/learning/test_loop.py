"""The learning loop end to end, on SQLite and PostgreSQL: people decide, a candidate learns from their decisions,
runs in shadow on live traffic (stored, never acted on), is compared with the live model, promoted, rolled back."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from bastion.cli import app
from bastion.core import Item, utcnow
from bastion.learning.estimates import EVERY_LANGUAGE, production_figures
from bastion.learning.labels import policy_version_in_force
from bastion.review.accounts import Role, create_user
from bastion.service import Service
from bastion.settings import Settings
from bastion.store.db import Database
from bastion.store.models.core import AuditRow
from bastion.store.models.learning import ShadowVerdictRow
from bastion.store.models.review import UserRow
from tests.learning.traffic import check_and_decide

runner = CliRunner()


@dataclass
class Loop:
    settings: Settings
    db: Database
    service: Service
    moderator: UserRow
    tmp: Path


@pytest.fixture
def loop(tmp_path: Path, db_url: str, fictional_model_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Loop]:
    env = {
        "BASTION_DATA_DIR": str(tmp_path / "data"),
        "BASTION_DATABASE_URL": db_url,
        "BASTION_TEXT_MODEL_DIR": str(fictional_model_dir),
        "BASTION_DETECTORS": '["text"]',
        "BASTION_MODEL_REFRESH_SECONDS": "0",
        "BASTION_BLIND_SAMPLE_RATE": "1.0",  # every allowed item reaches a person: the test decides them all
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    from bastion.cli._context import database, settings

    settings.cache_clear()
    database.cache_clear()
    config = Settings()
    db = Database.from_settings(config)
    service = Service.from_settings(config, db)
    service.sample_rng = random.Random(7)
    with db.transaction() as tx:
        moderator = create_user(tx, "mod", "fictional-password-1", Role.MODERATOR, "test")
    yield Loop(config, db, service, moderator, tmp_path)
    settings.cache_clear()
    database.cache_clear()
    db.dispose()


def _cli(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def _text_version(loop: Loop, item_id: str) -> str:
    [verdict] = loop.service.check([Item(id=item_id, text="a fictional post about the football match")])
    [signal] = [s for s in verdict.signals if s.detector == "text"]  # type: ignore[union-attr]
    return signal.version


def test_a_decision_trained_candidate_in_shadow_compared_promoted_and_rolled_back(
    loop: Loop, fictional_data: Path, fictional_model_dir: Path
) -> None:
    live = json.loads((fictional_model_dir / "model.json").read_text())["version"]
    check_and_decide(loop.service, loop.moderator, "before")

    exported = loop.tmp / "decisions.jsonl"
    _cli("model", "decisions", "--out", str(exported))
    rows = [json.loads(line) for line in exported.read_text().splitlines()]
    assert sorted(r["label"] for r in rows) == ["benign"] * 2 + ["tvec"] * 4
    assert {r["policy_version"] for r in rows} == {policy_version_in_force(loop.settings)}

    candidate_dir = loop.tmp / "candidate"
    _cli(
        "train",
        "--data",
        str(fictional_data),
        "--decisions",
        "--decisions-weight",
        "2",
        "--out",
        str(candidate_dir),
        "--no-cross-source",
    )
    meta = json.loads((candidate_dir / "model.json").read_text())
    candidate = meta["version"]
    assert candidate != live
    assert meta["metrics"]["mix"]["platform decisions"]["rows"] == 6
    assert meta["metrics"]["mix"]["platform decisions"]["weight"] == 2.0
    assert "platform decisions | 6 | 2.0" in (candidate_dir / "model-card.md").read_text()

    assert candidate in _cli("model", "register", str(candidate_dir))
    _cli("model", "shadow", candidate)
    check_and_decide(loop.service, loop.moderator, "after")
    with loop.db.snapshot() as tx:
        shadowed = tx.session.scalars(select(ShadowVerdictRow).where(ShadowVerdictRow.model_version == candidate))
        assert {row.item_id.split("-")[0] for row in shadowed} == {"after"}
        body = tx.items.verdict_body("local", "after-join-0")
    assert body is not None and {s["version"] for s in body["signals"]} == {live}  # the shadow's word is not used

    comparison = json.loads(_cli("model", "compare", "--json"))
    assert comparison["candidate"] == candidate and comparison["live_versions"] == [live]
    assert comparison["overall"]["live"]["n"] == comparison["overall"]["candidate"]["n"] == 6
    assert comparison["overall"]["live"]["false_negatives"] == 1  # the threat the people found among allowed posts
    assert set(comparison["by"]["category"]) >= {"recruitment", "threat", "none"}
    assert sum(t["live"]["n"] for t in comparison["by"]["lang"].values()) == 6

    _cli("model", "promote", candidate)
    assert _text_version(loop, "promoted") == candidate
    _cli("model", "rollback")
    assert _text_version(loop, "rolled-back") == live
    with loop.db.snapshot() as tx:
        about_candidate = AuditRow.subject == f"text-model:{candidate}"
        acts = list(tx.session.scalars(select(AuditRow.action).where(about_candidate).order_by(AuditRow.seq)))
    assert acts == ["model.register", "model.shadow", "model.promote", "model.rollback"]


def test_blind_samples_feed_the_production_figures(loop: Loop) -> None:
    check_and_decide(loop.service, loop.moderator, "week")
    with loop.db.snapshot() as tx:
        [every, *_] = production_figures(tx, utcnow().replace(year=2000))
    assert every.lang == EVERY_LANGUAGE
    assert (every.flagged, every.flagged_decided, every.samples, every.samples_decided) == (3, 3, 3, 3)
    assert every.precision.estimate == 1.0
    assert every.recall.estimate == pytest.approx(3 / 4)  # 3 found; 1 of 3 samples at rate 1 was TVEC
    assert every.recall.low is not None and every.recall.low < 0.75 < (every.recall.high or 0)


def test_promoting_an_unknown_model_is_a_clear_error(loop: Loop) -> None:
    result = runner.invoke(app, ["model", "promote", "text-nothing"])
    assert result.exit_code == 2 and "no registered model" in result.output and "Traceback" not in result.output
    result = runner.invoke(app, ["model", "rollback"])
    assert result.exit_code == 2 and "configured model already serves" in result.output


def test_a_line_the_platform_moved_is_audited_with_its_reason_and_judged_at_once_promoted(
    loop: Loop, fictional_model_dir: Path
) -> None:
    live = json.loads((fictional_model_dir / "model.json").read_text())["version"]
    stricter_dir = loop.tmp / "stricter"
    reason = "fictional platform: too many posts about the brigade's trial sent to review"
    _cli("model", "lines", str(fictional_model_dir), "--set", "*=0.9", "--reason", reason, "--out", str(stricter_dir))
    stricter = json.loads((stricter_dir / "model.json").read_text())["version"]
    _cli("model", "register", str(stricter_dir))
    with loop.db.snapshot() as tx:
        registered = tx.session.scalars(select(AuditRow).where(AuditRow.subject == f"text-model:{stricter}")).one()
    card = registered.payload["card"]
    assert card["lines"]["*"] == 0.9
    [move] = card["lines_set"]
    assert move["from_model"] == live and move["changes"][0]["reason"] == reason

    assert f"model {live}" in _cli("model", "lines"), "with none promoted, the configured model's lines"
    _cli("model", "promote", stricter)
    assert f"model {stricter}" in _cli("model", "lines"), "the promoted model's lines"
    [verdict] = loop.service.check([Item(id="stricter-1", text="a fictional post about the football match")])
    [signal] = [s for s in verdict.signals if s.detector == "text"]  # type: ignore[union-attr]
    assert signal.version == stricter
    assert signal.evidence["threshold"] == 0.9 and signal.evidence["line"] == "*"
