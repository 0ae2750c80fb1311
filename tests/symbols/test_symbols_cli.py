"""`bastion symbols ...` as an operator types it: create, add, list, export and import, remove, enable."""

from __future__ import annotations

import base64
from pathlib import Path

import numpy as np
from typer.testing import CliRunner

from bastion.cli import app
from bastion.cli._context import database, settings
from bastion.core import Item, Kind, Media
from bastion.service import Service
from bastion.symbols.registry import record_opinion
from tests.symbols.conftest import emblem_png, emblem_scene, png

runner = CliRunner()


def _run(*args: str, code: int = 0) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, result.output
    return result.output


def _emblem_file(directory: Path) -> Path:
    path = directory / "emblem.png"
    path.write_bytes(emblem_png())
    return path


def test_a_symbol_is_registered_listed_exported_and_imported(cli_env: Path) -> None:
    _run("symbols", "create", "groups", "--description", "fictional emblems")
    out = _run(
        "symbols", "add", "groups", str(_emblem_file(cli_env)), "--label", "Crimson Dawn emblem", "--source", "demo"
    )
    assert "symbol 1 'Crimson Dawn emblem'" in out
    assert "groups" in _run("symbols", "list") and "fictional emblems" in _run("symbols", "list")
    listed = _run("symbols", "list", "groups")
    assert "Crimson Dawn emblem" in listed and "active" in listed and "0.70" in listed
    exported = cli_env / "groups.jsonl"
    _run("symbols", "export", "groups", "-o", str(exported))
    _run("symbols", "create", "copy")
    assert "1 symbols imported" in _run("symbols", "import", "copy", str(exported))
    assert "Crimson Dawn emblem" in _run("symbols", "list", "copy")


def test_removed_and_restored_symbols_and_a_disabled_bank(cli_env: Path) -> None:
    _run("symbols", "create", "groups")
    _run("symbols", "add", "groups", str(_emblem_file(cli_env)), "--label", "emblem")
    assert "now removed" in _run("symbols", "remove", "1", "--reason", "wrong emblem")
    assert "emblem" not in _run("symbols", "list", "groups")
    assert "now active" in _run("symbols", "restore", "1")
    assert "disabled" in _run("symbols", "disable", "groups")
    assert " no " in _run("symbols", "list")


def test_symbol_and_hash_banks_do_not_take_each_others_entries(cli_env: Path) -> None:
    emblem = str(_emblem_file(cli_env))
    _run("symbols", "create", "groups")
    _run("banks", "create", "hashes")
    assert "holds symbols" in _run("banks", "add", "groups", emblem, code=2)
    assert "holds hashes" in _run("symbols", "add", "hashes", emblem, "--label", "x", code=2)
    assert "already exists" in _run("symbols", "create", "hashes", code=2)
    assert "groups" not in _run("banks", "list")


def test_a_plain_image_and_a_bad_file_are_refused_clearly(cli_env: Path) -> None:
    _run("symbols", "create", "groups")
    plain = cli_env / "plain.png"
    plain.write_bytes(png(np.full((64, 64, 3), 128, np.uint8)))
    assert "too little structure" in _run("symbols", "add", "groups", str(plain), "--label", "x", code=2)
    broken = cli_env / "broken.png"
    broken.write_bytes(emblem_png()[:200])
    assert "not a decodable image" in _run("symbols", "add", "groups", str(broken), "--label", "x", code=2)
    bad = cli_env / "bad.jsonl"
    bad.write_text('{"label": "x", "references": ["not base64!"]}\n')
    assert "line 1" in _run("symbols", "import", "groups", str(bad), code=2)


def test_the_listing_shows_each_symbols_precision_from_reviews(cli_env: Path) -> None:
    _run("symbols", "create", "groups")
    _run("symbols", "add", "groups", str(_emblem_file(cli_env)), "--label", "emblem")
    service = Service.from_settings(settings(), database())
    for n in range(4):
        media = Media(base64=base64.b64encode(emblem_scene(seed=n)).decode())
        service.check([Item(id=f"i-{n}", kind=Kind.IMAGE, media=media)], platform="p")
    with database().transaction() as tx:
        for match_id, opinion in [(1, "confirm"), (2, "confirm"), (3, "confirm"), (4, "dispute")]:
            record_opinion(tx, match_id, opinion, "mod")
    listed = _run("symbols", "list", "groups")
    assert "75%" in listed and "3 confirmed, 1 disputed" in listed
