"""`bastion sor submit` against a fake Transparency Database on a local port (tests/legal/fake_tdb.py) that checks
every field, takes at most 100 statements a call, refuses duplicate puids and fails in the ways the real one can:
nothing is sent twice and nothing is lost (DSA Art 24(5); API from the brief §3.1)."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from typer.testing import CliRunner

from bastion.cli import _context as cli_context
from bastion.cli import app
from bastion.core import Item, Kind, Media
from bastion.legal.sor_submit import SubmitError, Submitter
from bastion.legal.tdb_client import TransparencyDatabase
from bastion.service import Service
from bastion.settings import Settings
from bastion.store.models.statements import StatementRow
from tests.legal.fake_tdb import TOKEN, FakeTdb, fake_tdb
from tests.legal.orders_support import (
    PLATFORM,
    RECEIVED,
    Legal,
    an_order,
    bank_poster,
    check_poster,
    legal,
    poster_bytes,
)

__all__ = ["legal"]


@pytest.fixture
def tdb() -> Iterator[FakeTdb]:
    with fake_tdb() as server:
        yield server


def _removed(legal: Legal, n: int) -> list[str]:
    """`n` uploads of a banked fictional poster, each removed at once: `n` statements; their puids."""
    bank_poster(legal, 31)
    media = Media(base64=base64.b64encode(poster_bytes(31)).decode(), content_type="image/png")
    service = Service.from_settings(legal.settings, legal.db)
    service.check([Item(id=f"img-{i}", kind=Kind.IMAGE, media=media) for i in range(n)], platform=PLATFORM)
    return [s.puid for s in _statements(legal)]


def _statements(legal: Legal) -> list[StatementRow]:
    with legal.db.snapshot() as tx:
        return list(tx.session.scalars(select(StatementRow).order_by(StatementRow.id)))


def _states(legal: Legal) -> dict[str, int]:
    with legal.db.snapshot() as tx:
        return tx.statements.counts()


def _submitter(legal: Legal, tdb: FakeTdb, waits: list[float], **settings: object) -> Submitter:
    configured = legal.settings.model_copy(update={"sor_api_url": tdb.url, "sor_api_token": TOKEN, **settings})
    api = TransparencyDatabase(tdb.url, TOKEN, float(configured.sor_timeout_seconds))
    return Submitter(legal.db, api, configured, sleep=waits.append)


@pytest.fixture
def cli_env(legal: Legal, tdb: FakeTdb, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """`bastion` run against the test's database and the fake Transparency Database."""
    env = {
        "BASTION_DATA_DIR": str(legal.settings.data_dir),
        "BASTION_DATABASE_URL": legal.settings.resolved_database_url,
        "BASTION_SOR_API_URL": tdb.url,
        "BASTION_SOR_API_TOKEN": TOKEN,
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    for cached in (cli_context.settings, cli_context.database, cli_context.service):
        cached.cache_clear()
    yield
    cli_context.database().dispose()
    for cached in (cli_context.settings, cli_context.database, cli_context.service):
        cached.cache_clear()


def test_statements_go_in_batches_each_once(
    legal: Legal, tdb: FakeTdb, cli_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    puids = _removed(legal, 10)
    monkeypatch.setenv("BASTION_SOR_BATCH_SIZE", "4")  # the API's limit is 100; four keeps the test small

    first = CliRunner().invoke(app, ["sor", "submit"])

    assert first.exit_code == 0, first.output
    assert "submitted: 10" in first.stdout
    assert tdb.batch_sizes == [4, 4, 2]
    assert sorted(tdb.stored) == sorted(puids)
    assert _states(legal) == {"submitted": 10}
    assert all(s.tdb_uuid and s.tdb_submitted_at for s in _statements(legal))
    again = CliRunner().invoke(app, ["sor", "submit"])
    assert again.exit_code == 0 and "submitted: 0" in again.stdout and tdb.batch_sizes == [4, 4, 2]
    status = CliRunner().invoke(app, ["sor", "status"])
    assert "submitted\t10" in status.stdout


def test_the_fake_database_refuses_a_batch_over_100(tdb: FakeTdb) -> None:
    api = TransparencyDatabase(tdb.url, TOKEN, 5.0)
    statement = {"puid": "x"}
    assert api.submit([statement] * 101).status == 422 and api.submit([]).status == 422
    api.close()


def test_a_429_is_waited_out_for_its_retry_after(legal: Legal, tdb: FakeTdb) -> None:
    puids = _removed(legal, 3)
    tdb.script = ["429", "429"]
    waits: list[float] = []

    report = _submitter(legal, tdb, waits).run()

    assert waits == [7.0, 7.0]  # the Retry-After, twice
    assert (report.rate_limited, report.submitted) == (2, 3)
    assert sorted(tdb.stored) == sorted(puids) and tdb.batch_sizes == [3]


def test_a_429_asking_too_long_a_wait_ends_the_run_and_loses_nothing(legal: Legal, tdb: FakeTdb) -> None:
    _removed(legal, 2)
    tdb.script, tdb.retry_after = ["429"], "3600"

    with pytest.raises(SubmitError, match="wait 3600 s"):
        _submitter(legal, tdb, []).run()

    assert _states(legal) == {"pending": 2}
    assert _submitter(legal, tdb, []).run().submitted == 2


def test_a_timeout_after_the_database_stored_the_batch_sends_nothing_twice(legal: Legal, tdb: FakeTdb) -> None:
    puids = _removed(legal, 4)
    tdb.script = ["slow_stored"]

    report = _submitter(legal, tdb, [], sor_timeout_seconds=0.3).run()

    assert report.timeouts == 1 and report.already_there == 4  # found by puid, not sent again
    assert sorted(tdb.lookups) == sorted(puids)
    assert tdb.batch_sizes == [4] and sorted(tdb.stored) == sorted(puids)
    assert _states(legal) == {"submitted": 4}


def test_a_timeout_that_lost_the_batch_sends_it_again(legal: Legal, tdb: FakeTdb) -> None:
    puids = _removed(legal, 4)
    tdb.script = ["slow_lost"]

    report = _submitter(legal, tdb, [], sor_timeout_seconds=0.3).run()

    assert (report.timeouts, report.already_there, report.submitted) == (1, 0, 4)
    assert sorted(tdb.stored) == sorted(puids) and _states(legal) == {"submitted": 4}


def test_a_server_error_ends_the_run_and_the_next_run_sends_the_batch(legal: Legal, tdb: FakeTdb) -> None:
    _removed(legal, 3)
    tdb.script = ["500"]

    with pytest.raises(SubmitError, match="HTTP 500"):
        _submitter(legal, tdb, []).run()

    assert _states(legal) == {"pending": 3} and tdb.stored == {}
    assert _submitter(legal, tdb, []).run().submitted == 3


def test_a_batch_refused_for_one_duplicate_stores_the_rest(legal: Legal, tdb: FakeTdb) -> None:
    puids = _removed(legal, 5)
    tdb.stored[puids[2]] = {"puid": puids[2]}  # an earlier run's call arrived, and its answer was lost

    report = _submitter(legal, tdb, []).run()

    assert (report.already_there, report.submitted, report.rejected) == (1, 4, 0)
    assert tdb.batch_sizes == [5, 4]  # refused all or none, then the four others alone
    assert sorted(tdb.stored) == sorted(puids) and _states(legal) == {"submitted": 5}


def test_statements_a_killed_run_left_in_flight_are_looked_up_before_sending(legal: Legal, tdb: FakeTdb) -> None:
    puids = _removed(legal, 4)
    with legal.db.transaction() as tx:  # a run was killed after sending these two: one arrived, one did not
        tx.session.execute(update(StatementRow).where(StatementRow.puid.in_(puids[:2])).values(tdb_state="sending"))
    tdb.stored[puids[0]] = {"puid": puids[0]}

    report = _submitter(legal, tdb, []).run()

    assert tdb.lookups == puids[:2]
    assert (report.already_there, report.submitted) == (1, 3)
    assert tdb.batch_sizes == [3] and sorted(tdb.stored) == sorted(puids)


def test_an_invalid_record_is_rejected_before_it_leaves(legal: Legal, tdb: FakeTdb) -> None:
    puids = _removed(legal, 2)
    with legal.db.transaction() as tx:
        row = tx.statements.by_puid(puids[0])
        assert row is not None
        row.record = {**row.record, "category": "STATEMENT_CATEGORY_UNSAFE_AND_ILLEGAL_PRODUCTS"}  # retired 2025

    _submitter(legal, tdb, []).run()

    assert list(tdb.stored) == [puids[1]]
    [rejected] = [s for s in _statements(legal) if s.tdb_state == "rejected"]
    assert rejected.puid == puids[0] and "category" in (rejected.tdb_error or "")


def test_nothing_public_about_an_order_under_non_disclosure_until_it_lapses(legal: Legal, tdb: FakeTdb) -> None:
    check_poster(legal, "ord-1", 11, permalink="https://forum.example/p/1")
    until = RECEIVED + timedelta(weeks=6)
    assert legal.send(an_order(non_disclosure_until=until.isoformat())).status_code == 201
    clock = [RECEIVED + timedelta(days=1)]
    submitter = _submitter(legal, tdb, [])
    submitter.clock = lambda: clock[0]

    assert submitter.run().submitted == 0 and tdb.stored == {}  # TCO Art 11(3), the regime file's hold

    legal.tick(until)
    clock[0] = until + timedelta(minutes=1)
    assert submitter.run().submitted == 1


def test_a_refused_token_and_a_small_platform_get_one_line_errors(
    legal: Legal, tdb: FakeTdb, cli_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    _removed(legal, 1)
    monkeypatch.setenv("BASTION_SOR_API_TOKEN", "1|not-the-token")
    cli_context.settings.cache_clear()
    refused = CliRunner().invoke(app, ["sor", "submit"])
    assert refused.exit_code == 1 and "refused the token" in refused.output and "Traceback" not in refused.output
    assert _states(legal) == {"pending": 1}

    monkeypatch.setenv("BASTION_ENTERPRISE_SIZE", "small")
    cli_context.settings.cache_clear()
    exempt = CliRunner().invoke(app, ["sor", "submit"])
    assert exempt.exit_code == 1 and "DSA Art 19" in exempt.output and tdb.stored == {}


def test_settings_refuse_batches_over_the_apis_limit() -> None:
    with pytest.raises(ValueError, match="100"):
        Settings(sor_batch_size=101)
