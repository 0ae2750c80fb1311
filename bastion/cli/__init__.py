"""The `bastion` command: a thin shell over the same functions the API uses."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from bastion.cli import (
    actions,
    audit,
    banks,
    complaints,
    conduct,
    doctor,
    keys,
    learning,
    legal,
    model,
    notifiers,
    report,
    rules,
    sor,
    stream,
    users,
)
from bastion.cli import symbols as symbols_cli
from bastion.cli._context import database, err, fail, settings
from bastion.cli.scan import scan
from bastion.store.db import DatabaseUnavailable

app = typer.Typer(
    name="bastion",
    help="Find, review and act on terrorist and violent extremist content.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.command()(scan)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on", min=0, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(help="worker processes", min=1)] = 1,
) -> None:
    """Serve the HTTP API (and web UI) on HOST:PORT; one JSON line per request goes to stderr."""
    import uvicorn

    from bastion.api.keep_alive import ServingProtocol
    from bastion.api.request_log import serving_banner, uvicorn_log_config
    from bastion.metrics import shared_across_processes

    database()  # migrate once, before workers start
    err.print(serving_banner(host, port, settings().resolved_database_url, workers), highlight=False)
    with shared_across_processes(workers):  # /metrics on any worker counts them all
        uvicorn.run(
            "bastion.api.app:serving_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            http=ServingProtocol,  # deadlines for slow clients; a bound on requests per connection
            timeout_graceful_shutdown=settings().shutdown_grace_seconds,
            # A worker loading its models on a busy machine can miss uvicorn's 5 s liveness ping and be killed
            # mid-start (seen with --workers 2 at load 6); a hung worker is still replaced, 30 s later.
            timeout_worker_healthcheck=30,
            log_level="warning",
            log_config=uvicorn_log_config(),
            access_log=False,
        )


@app.command()
def demo(
    serve_after: Annotated[bool, typer.Option("--serve/--no-serve", help="serve the API afterwards")] = True,
    port: Annotated[int, typer.Option(help="port to serve on", min=0, max=65535)] = 8000,
) -> None:
    """Load the fictional demo data set, print a demo API key, and serve."""
    from bastion.demo import load_demo

    summary = load_demo(settings(), database())
    for line in summary:
        err.print(line, highlight=False)
    if serve_after:
        # The demo serves plain http on 127.0.0.1, where a Secure cookie would never come back.
        os.environ["BASTION_SECURE_COOKIES"] = "false"
        err.print(f"demo: log in at http://127.0.0.1:{port}/login", highlight=False)
        serve(host="127.0.0.1", port=port, workers=1)


for _module in (
    model,
    banks,
    rules,
    users,
    actions,
    keys,
    audit,
    notifiers,
    report,
    legal,
    learning,
    conduct,
    stream,
    doctor,
):
    _module.register(app)
sor.register(app)
complaints.register(app)
symbols_cli.register(app)


def main() -> None:
    try:
        app()
    except DatabaseUnavailable as error:  # the database's refusal, in a line: the operator retries, or looks why
        refusal = fail(f"the database could not take it: {error}; retry, or run `bastion doctor`", 1)
        raise SystemExit(refusal.exit_code) from None
