"""`bastion users ...`: moderator accounts (the web UI's /admin does the same)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from bastion.cli._context import database, err, fail
from bastion.review.accounts import AccountError, Role, create_user, set_active, set_role

users_app = typer.Typer(help="Moderator accounts and roles.", no_args_is_help=True)


@users_app.command("create")
def create(
    username: Annotated[str, typer.Argument()],
    role: Annotated[Role, typer.Option(help="what the user may do")] = Role.MODERATOR,
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)] = "",
) -> None:
    """Create a user (the password is stored as an argon2 hash)."""
    try:
        with database().transaction() as tx:
            create_user(tx, username, password, role, "cli")
    except AccountError as error:
        raise fail(str(error)) from None
    err.print(f"user {username!r} created with role {role.value}")


@users_app.command("list")
def list_() -> None:
    table = Table("user", "role", "active")
    with database().snapshot() as tx:
        for user in tx.users.all():
            table.add_row(user.username, user.role, "yes" if user.active else "no")
    Console().print(table)


@users_app.command("disable")
def disable(username: Annotated[str, typer.Argument()]) -> None:
    """Stop a user from logging in (their decisions stay on the record); the last active admin stays."""
    try:
        with database().transaction() as tx:
            set_active(tx, username, False, "cli")
    except AccountError as error:
        raise fail(str(error)) from None
    err.print(f"user {username!r} disabled")


@users_app.command("set-role")
def set_role_(
    username: Annotated[str, typer.Argument()],
    role: Annotated[Role, typer.Argument(help="the new role")],
) -> None:
    """Give a user another role (audited); their open sessions end, so the old role's rights go at once."""
    try:
        with database().transaction() as tx:
            set_role(tx, username, role, "cli")
    except AccountError as error:
        raise fail(str(error)) from None
    err.print(f"user {username!r} is now {role.value}")


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")
