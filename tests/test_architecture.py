"""The import direction core ← detectors/rules ← store/api/web/workers/cli holds."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path


def test_import_contracts_hold() -> None:
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert lint, "import-linter is part of the test extras"
    result = subprocess.run([lint], capture_output=True, text=True, cwd=Path(__file__).parents[1])
    assert result.returncode == 0, result.stdout + result.stderr


_PICTURE = Path(__file__).parents[1] / "docs" / "architecture.md"
_PACKAGE = Path(__file__).parents[1] / "bastion"
_MAX_MODULE_LINES = 400


def _parts_of_bastion() -> list[str]:
    """Every package (`review/`) and top-level module (`service.py`) directly under bastion/."""
    packages = [f"{p.name}/" for p in _PACKAGE.iterdir() if (p / "__init__.py").is_file()]
    modules = [p.name for p in _PACKAGE.glob("*.py") if not p.name.startswith("_")]
    return sorted(packages + modules)


def test_the_architecture_picture_names_every_part_of_bastion() -> None:
    picture = _PICTURE.read_text(encoding="utf-8")
    missing = [part for part in _parts_of_bastion() if part not in picture]
    assert not missing, f"docs/architecture.md does not draw {missing}: add them to the layers"


def test_modules_stay_small() -> None:
    sizes = {
        str(path.relative_to(_PACKAGE)): len(path.read_text(encoding="utf-8").splitlines())
        for path in _PACKAGE.rglob("*.py")
        if "migrations" not in path.parts
    }
    too_big = {name: lines for name, lines in sizes.items() if lines > _MAX_MODULE_LINES}
    assert not too_big, f"split these modules (over {_MAX_MODULE_LINES} lines): {too_big}"


def test_the_storage_contract_covers_every_part_but_the_store() -> None:
    """A new package or module joins the SQLAlchemy ban the day it is created, not when someone remembers."""
    config = tomllib.loads((_PACKAGE.parent / "pyproject.toml").read_text(encoding="utf-8"))
    [storage] = [c for c in config["tool"]["importlinter"]["contracts"] if "sqlalchemy" in c["forbidden_modules"]]
    covered = {module.removeprefix("bastion.") for module in storage["source_modules"]}
    parts = {part.removesuffix("/").removesuffix(".py") for part in _parts_of_bastion()} - {"store"}
    assert parts <= covered, f"add {sorted(parts - covered)} to the storage contract's source_modules"
