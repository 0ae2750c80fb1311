"""`bastion keys ...`: per-platform API keys and the scopes that bound what each may do."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Column, Table

from bastion.api.scopes import DEFAULT_SCOPES, MEANING, ScopeError, format_scopes, parse_scopes
from bastion.cli._context import database, err, fail

keys_app = typer.Typer(help="Per-platform API keys and their scopes.", no_args_is_help=True)

_DEFAULT = format_scopes(DEFAULT_SCOPES)
_SCOPE_HELP = "\n\n".join(f"[bold]{scope.value}[/bold]: {meaning}" for scope, meaning in MEANING.items())
_CREATE_HELP = (
    "Create an API key; it is shown once and stored only as a hash.\n\n"
    "The key may call only the endpoints its scopes allow; any other call gets 403. "
    f"Without --scopes a key gets {_DEFAULT}: what a platform integration needs to check content "
    "and pass on its users' reports and appeals. Scopes are independent (admin grants nothing else):\n\n" + _SCOPE_HELP
)


@keys_app.command("create", help=_CREATE_HELP)
def create(
    platform: Annotated[str, typer.Option(help="the platform this key is for")],
    scopes: Annotated[str, typer.Option(help="comma-separated scopes the key holds")] = _DEFAULT,
) -> None:
    if not 0 < len(platform) <= 64 or not platform.isprintable():
        raise fail("a platform name is 1 to 64 printable characters")
    try:
        granted = parse_scopes(scopes)
    except ScopeError as error:
        raise fail(str(error)) from None
    with database().transaction() as tx:
        issued = tx.keys.create(platform, granted)
    typer.echo(issued.secret)
    err.print(
        f"key {issued.prefix} created for platform {platform!r} with scopes {format_scopes(issued.scopes)}; "
        "store it now, it is not shown again",
        highlight=False,
    )


@keys_app.command("list")
def list_() -> None:
    """Every key with its platform, scopes, creation time and whether it is revoked (never the secret)."""
    table = Table(
        Column("prefix", no_wrap=True), "platform", Column("scopes", overflow="fold"), "created (UTC)", "revoked"
    )
    with database().snapshot() as tx:
        for key in tx.keys.list():
            created = key.created_at.strftime("%Y-%m-%d %H:%M")
            table.add_row(key.prefix, key.platform, format_scopes(key.scopes), created, "yes" if key.revoked else "no")
    console = Console()
    if not console.is_terminal:  # piped into a script: whole rows, not a table squeezed into 80 columns
        console = Console(width=240)
    console.print(table)


@keys_app.command("revoke")
def revoke(prefix: Annotated[str, typer.Argument(help="the key's prefix (second part of the key)")]) -> None:
    """Revoke an API key by its prefix (the API may accept it for up to 30 more seconds)."""
    with database().transaction() as tx:
        if not tx.keys.revoke(prefix):
            raise fail(f"no live key with prefix {prefix!r}")
    err.print(f"key {prefix} revoked")


def register(app: typer.Typer) -> None:
    app.add_typer(keys_app, name="keys")
