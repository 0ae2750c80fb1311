"""What every CLI command needs: settings, the database and the service."""

from __future__ import annotations

from functools import cache

import typer
from rich.console import Console

from bastion.service import Service
from bastion.settings import Settings
from bastion.store.db import Database

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
    return Service.from_settings(settings(), database())


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print a one-line error (no stack trace) and return the exit to raise."""
    err.print(f"[red]error:[/red] {message}", highlight=False)
    return typer.Exit(code)
