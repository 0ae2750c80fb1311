"""What every CLI command needs: settings, the database and the service."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console

from bastion.settings import Settings
from bastion.store.db import Database

if TYPE_CHECKING:
    from bastion.service import Service

err = Console(stderr=True, soft_wrap=True)  # messages stay one greppable line


@cache
def settings() -> Settings:
    return Settings()


@cache
def database() -> Database:
    db = Database.from_settings(settings())
    db.migrate()
    return db


@cache
def service() -> Service:
    """The service that records (creates and migrates the database)."""
    from bastion.service import Service  # the detectors' code: only for the commands that check

    return Service.from_settings(settings(), database())


@cache
def read_only_service() -> Service:
    """The service for dry runs: writes nothing, creates no database."""
    from bastion.service import Service

    return Service.read_only(settings())


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print a one-line error (no stack trace) and return the exit to raise."""
    err.print(f"[red]error:[/red] {message}", highlight=False)
    return typer.Exit(code)


def require_file(path: Path) -> None:
    """Stop with a clear error unless `path` is a file this process can read."""
    if path.is_dir():
        raise fail(f"{path} is a directory, not a file")
    if not path.is_file():
        raise fail(f"no such file: {path}")
    try:
        path.open("rb").close()
    except OSError as error:
        raise fail(f"cannot read {path}: {error.strerror}") from None
