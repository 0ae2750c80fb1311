"""`bastion doctor`: is this deployment able to run? The database, its migrations, the stream, models and banks.

Each check says in a sentence what it found and, when something is wrong,
what to do. Nothing is created or changed: an empty data directory stays empty.
Exit status 1 when any check found a problem; a stream that cannot be reached
is only a warning, since only `bastion worker` and `bastion publish` need it.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

import typer

from bastion.cli._context import settings
from bastion.core import utcnow
from bastion.settings import Settings
from bastion.store.db import Database


@dataclass(frozen=True)
class Finding:
    check: str
    verdict: str  # ok, warning, problem
    words: str


def register(app: typer.Typer) -> None:
    app.command()(doctor)


def doctor() -> None:
    """Check the database, migrations, stream, text model and banks, and say what is wrong in plain words."""
    s = settings()
    findings = _database_findings(s)
    findings.append(_stream_finding(s))
    findings.append(_model_finding(s))
    marks = {"ok": "ok     ", "warning": "warning", "problem": "PROBLEM"}
    for finding in findings:
        typer.echo(f"{marks[finding.verdict]}  {finding.check}: {finding.words}")
    if any(f.verdict == "problem" for f in findings):
        raise typer.Exit(1)


def _database_findings(s: Settings) -> list[Finding]:
    if not s.database_url and not (Path(s.data_dir) / "bastion.db").is_file():
        words = f"no database yet in {s.data_dir}; the first `bastion serve`, `scan` or `worker` creates it"
        return [Finding("database", "warning", words)]
    db = Database.from_url(s.resolved_database_url, s.database_stalled_transaction_seconds)
    try:
        where = db.engine.url.render_as_string(hide_password=True)
        if not db.ping():
            fix = "is the server running, and are the host, port, user and password in BASTION_DATABASE_URL right?"
            return [Finding("database", "problem", f"{where} does not answer; {fix}")]
        found = [Finding("database", "ok", f"{where} answers")]
        current, newest = db.migration_state()
        if current == newest:
            found.append(Finding("migrations", "ok", f"the schema is up to date ({', '.join(sorted(newest))})"))
        elif current - newest:
            words = f"the database is at {', '.join(sorted(current))}, which this release does not know: a newer one"
            found.append(Finding("migrations", "problem", words + " migrated it; upgrade Bastion here"))
        else:
            words = (
                f"the schema is behind ({', '.join(sorted(current)) or 'empty'}, newest {', '.join(sorted(newest))})"
            )
            found.append(Finding("migrations", "warning", words + "; the next `bastion serve` or `worker` migrates it"))
        found.append(_bank_finding(db))
        found.append(_stopped_writer_finding(db) if db.is_sqlite else _stalled_finding(db))
        if current == newest:
            found.append(_receipt_finding(db, s))
        return found
    finally:
        db.dispose()


def _bank_finding(db: Database) -> Finding:
    try:
        with db.snapshot() as tx:
            banks = tx.banks.with_entry_counts()
    except Exception as error:  # a schema too old to have the bank tables
        return Finding("banks", "warning", f"cannot be read yet ({type(error).__name__}); migrate first")
    if not banks:
        return Finding("banks", "ok", "no hash banks yet; only text, URL and term detection will match")
    enabled = [(bank, count) for bank, count in banks if bank.enabled]
    entries = sum(count for _, count in enabled)
    words = f"{len(enabled)} of {len(banks)} banks enabled, {entries:,} live entries"
    return Finding("banks", "ok" if enabled else "warning", words)


def _stalled_finding(db: Database) -> Finding:
    """A writer stopped inside its transaction holds its locks (the audit chain's among them) for every other."""
    stalled = db.stalled_sessions()
    limit = db.stalled_transaction_seconds
    if not stalled:
        return Finding(
            "writers", "ok", f"no Bastion session has waited on its client inside a transaction over {limit:g} s"
        )
    listed = ", ".join(f"pid {pid} for {seconds:,.0f} s" for pid, seconds in stalled)
    words = (
        f"{len(stalled)} Bastion session(s) waiting on their client inside a transaction ({listed}): a writer stopped "
        "(SIGSTOP, `docker pause`, a frozen host) holds its locks; resume or stop it. The next writer that waits "
        "for its lock as long ends it"
    )
    return Finding("writers", "warning", words)


def _stopped_writer_finding(db: Database) -> Finding:
    """On SQLite, a writer stopped inside its transaction holds the one writer lock for every other process."""
    stopped = db.stopped_writers()
    if not stopped:
        return Finding("writers", "ok", "no stopped process found holding the SQLite writer lock")
    words = (
        f"the SQLite writer lock is held by stopped process(es) {', '.join(map(str, stopped))} (SIGSTOP, a debugger): "
        f"every write waits {db.stalled_transaction_seconds:g} s and fails; resume or stop it"
    )
    return Finding("writers", "warning", words)


def _receipt_finding(db: Database, s: Settings) -> Finding:
    """Receipts older than the retention and a night's slack mean `bastion stream prune-receipts` is not running."""
    with db.snapshot() as tx:
        oldest = tx.stream_receipts.oldest()
    if oldest is None:
        return Finding("stream receipts", "ok", "none kept")
    hours = (utcnow() - oldest).total_seconds() / 3600
    retention = s.stream_receipt_retention_hours
    words = f"the oldest is {hours:,.0f} h old (retention {retention:g} h)"
    if hours <= retention + 24:  # pruned nightly, the oldest is at most a day past the retention
        return Finding("stream receipts", "ok", words)
    return Finding("stream receipts", "warning", words + "; schedule `bastion stream prune-receipts` nightly")


def _stream_finding(s: Settings) -> Finding:
    from bastion.workers.stream import StreamNames, StreamUnavailable, connect

    async def look() -> str:
        nc = await connect(s)
        try:
            js = nc.jetstream()
            names = StreamNames.of(s)
            try:
                items = await js.stream_info(names.stream)
                letters = await js.stream_info(names.dead_letters)
            except Exception:
                return f"NATS answers at {s.nats_url}; stream {names.stream} does not exist yet (a worker creates it)"
            return (
                f"NATS answers at {s.nats_url}; stream {names.stream} holds {items.state.messages:,} items waiting, "
                f"{letters.state.messages:,} dead letters (`bastion dlq list`)"
            )
        finally:
            await nc.close()

    try:
        return Finding("stream", "ok", asyncio.run(look()))
    except StreamUnavailable as error:
        return Finding("stream", "warning", f"{error}; only `bastion worker` and `bastion publish` need it")


def _model_finding(s: Settings) -> Finding:
    from bastion.text.model import TextModel

    try:
        model = TextModel.load(s.text_model_dir)
    except Exception as error:
        return Finding("text model", "problem", f"cannot be loaded from {s.text_model_dir}: {error}")
    return Finding("text model", "ok", f"{model.version} loads from {s.text_model_dir}")
