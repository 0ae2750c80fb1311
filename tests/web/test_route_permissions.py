"""Every role, and nobody logged in, against every route the app serves outside /v1, from a table written out
here (not derived from the permission table under test).

The routes are read from the app itself, so a route added without a row here fails
`test_the_table_names_every_route`. The /v1 routes are tried against every API key scope in
tests/api/test_scopes.py. One app and one database serve the whole module; the probes either
change nothing or change it so that no other probe's outcome depends on their order.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from bastion.api.app import create_app
from bastion.banks.entries import create_bank
from bastion.core import Bank, Category, Item, utcnow
from bastion.review.accounts import Role, create_user
from bastion.review.cases import Decision, claim, decide, file_appeal
from bastion.service import Service
from bastion.settings import Settings
from bastion.store.db import Database
from bastion.store.models.banks import BankEntryRow
from bastion.store.models.review import UserRow
from tests.review.conftest import check_banked_poster
from tests.routes import app_routes

PASSWORD = "fictional-password-1"
OUT = "logged out"
WHO = [role.value for role in Role] + [OUT]

OK, GO, NO, IN = "200", "303 on", "403 role", "303 to /login"  # the outcomes a probe can have


def outcomes(admin: str, moderator: str, senior: str, legal: str, auditor: str, out: str) -> dict[str, str]:
    """One row of the table: what each role (and nobody logged in) gets."""
    return dict(zip(WHO, [admin, moderator, senior, legal, auditor, out], strict=True))


EVERYONE = outcomes(OK, OK, OK, OK, OK, OK)
LOGGED_IN = outcomes(OK, OK, OK, OK, OK, IN)
ADMIN_ONLY = outcomes(GO, NO, NO, NO, NO, IN)
LEGAL_OK = outcomes(OK, NO, NO, OK, NO, IN)


def legal_only(answer: str) -> dict[str, str]:
    """Legal officers and admins get `answer`; every other role the 403 page."""
    return outcomes(answer, NO, NO, answer, NO, IN)


@dataclass(frozen=True)
class Probe:
    """One request: `path` may name a case of the module's setup as `{open}`, `{legal}`, ... ."""

    path: str
    expect: dict[str, str]
    data: dict[str, str] = field(default_factory=dict)
    spare: bool = False  # sent from a fresh login of a spare user of the role (logging in or out ends a session)


# (method, route as the app declares it) -> the probes that try it; "MOUNT" for mounted static files.
TABLE: dict[tuple[str, str], list[Probe]] = {
    ("GET", "/healthz"): [Probe("/healthz", EVERYONE)],
    ("GET", "/readyz"): [Probe("/readyz", EVERYONE)],
    ("GET", "/metrics"): [Probe("/metrics", EVERYONE)],
    ("GET", "/openapi.json"): [Probe("/openapi.json", EVERYONE)],
    ("GET", "/docs"): [Probe("/docs", EVERYONE)],
    ("MOUNT", "/docs/assets"): [Probe("/docs/assets/swagger-ui.css", EVERYONE)],
    ("MOUNT", "/static"): [Probe("/static/bastion.css", EVERYONE)],
    ("GET", "/"): [Probe("/", outcomes(GO, GO, GO, GO, GO, GO))],
    ("GET", "/login"): [Probe("/login", EVERYONE)],
    ("POST", "/login"): [Probe("/login", outcomes(GO, GO, GO, GO, GO, GO), spare=True)],
    ("POST", "/logout"): [Probe("/logout", outcomes(IN, IN, IN, IN, IN, IN), spare=True)],
    ("GET", "/queue"): [Probe("/queue", LOGGED_IN)],
    ("GET", "/cases/{case_id}"): [
        Probe("/cases/{open}", LOGGED_IN),
        Probe("/cases/{senior}", outcomes(OK, NO, OK, OK, OK, IN)),  # legal and auditors see what they audit
        Probe("/cases/{legal}", outcomes(OK, NO, NO, OK, OK, IN)),
        Probe("/cases/{legal_appeal}", outcomes(OK, NO, NO, OK, OK, IN)),
        Probe("/cases/999999", outcomes("404", "404", "404", "404", "404", IN)),
    ],
    ("POST", "/cases/{case_id}/claim"): [
        # Whoever may see a case reaches the claim; the review rules answer on the case page (tests/review).
        Probe("/cases/{open}/claim", outcomes(GO, GO, GO, GO, GO, IN)),
        Probe("/cases/{legal}/claim", outcomes(GO, NO, NO, GO, GO, IN)),
    ],
    ("POST", "/cases/{case_id}/decide"): [
        Probe("/cases/{open}/decide", outcomes(GO, GO, GO, GO, GO, IN), {"decision": "remove"}),
        Probe("/cases/{senior}/decide", outcomes(GO, NO, GO, GO, GO, IN), {"decision": "remove"}),
        Probe("/cases/{legal}/decide", outcomes(GO, NO, NO, GO, GO, IN), {"decision": "remove"}),
        Probe("/cases/{legal_appeal}/decide", outcomes(GO, NO, NO, GO, GO, IN), {"decision": "reverse"}),
    ],
    ("GET", "/cases/{case_id}/media"): [
        Probe("/cases/{poster}/media", LOGGED_IN),
        Probe("/cases/{legal_poster}/media", outcomes(OK, NO, NO, OK, OK, IN)),
    ],
    ("GET", "/actors/{actor_id}"): [Probe("/actors/999999", outcomes("404", "404", "404", "404", "404", IN))],
    ("POST", "/actors/{actor_id}/cluster-case"): [
        Probe("/actors/999999/cluster-case", outcomes(GO, GO, GO, NO, NO, IN))  # no cluster: back to the page
    ],
    ("GET", "/me"): [Probe("/me", LOGGED_IN)],
    ("POST", "/me"): [Probe("/me", outcomes(GO, GO, GO, GO, GO, IN), {"break_after": "40", "blur": "true"})],
    ("GET", "/dashboard"): [Probe("/dashboard", outcomes(OK, NO, OK, OK, OK, IN))],
    ("GET", "/audit"): [Probe("/audit", outcomes(OK, NO, NO, OK, OK, IN))],
    ("GET", "/admin"): [Probe("/admin", outcomes(OK, NO, NO, NO, NO, IN))],
    ("GET", "/policy"): [Probe("/policy", LOGGED_IN)],
    ("GET", "/admin/models"): [Probe("/admin/models", outcomes(OK, NO, NO, NO, NO, IN))],
    ("POST", "/admin/models/{version}/shadow"): [Probe("/admin/models/no-such-model/shadow", ADMIN_ONLY)],
    ("POST", "/admin/models/{version}/promote"): [Probe("/admin/models/no-such-model/promote", ADMIN_ONLY)],
    ("POST", "/admin/models/rollback"): [Probe("/admin/models/rollback", ADMIN_ONLY)],
    ("GET", "/admin/dead-letters"): [Probe("/admin/dead-letters", outcomes(OK, NO, NO, NO, NO, IN))],
    ("POST", "/admin/dead-letters/{seq}/replay"): [Probe("/admin/dead-letters/999999/replay", ADMIN_ONLY)],
    ("POST", "/admin/users"): [Probe("/admin/users", ADMIN_ONLY, {"password": "long-enough-1", "role": "admin"})],
    ("POST", "/admin/users/{username}/active"): [Probe("/admin/users/target/active", ADMIN_ONLY, {"active": "true"})],
    ("POST", "/admin/users/{username}/role"): [Probe("/admin/users/target/role", ADMIN_ONLY, {"role": "moderator"})],
    # Removal orders and preserved material (TCO Art 3-6): legal officers and admins only; a missing one is 404.
    ("GET", "/legal/orders"): [Probe("/legal/orders", LEGAL_OK)],
    ("GET", "/legal/orders/new"): [Probe("/legal/orders/new", LEGAL_OK)],
    ("POST", "/legal/orders"): [Probe("/legal/orders", legal_only("422"))],  # an empty form: refused as invalid
    ("GET", "/legal/orders/{order_id}"): [Probe("/legal/orders/999999", legal_only("404"))],
    ("POST", "/legal/orders/{order_id}/clock"): [
        Probe("/legal/orders/999999/clock", legal_only("404"), {"step": "resume"})
    ],
    ("POST", "/legal/orders/{order_id}/scrutiny"): [
        Probe("/legal/orders/999999/scrutiny", legal_only("404"), {"step": "request", "note": "x"})
    ],
    ("GET", "/legal/orders/{order_id}/documents/{name}"): [
        Probe("/legal/orders/999999/documents/annex-ii.txt", legal_only("404"))
    ],
    ("GET", "/legal/preserved/{hold_id}"): [Probe("/legal/preserved/999999", legal_only("404"))],
    ("GET", "/legal/preserved/{hold_id}/material.json"): [
        Probe("/legal/preserved/999999/material.json", legal_only("404"))
    ],
    ("GET", "/legal/preserved/{hold_id}/media"): [Probe("/legal/preserved/999999/media", legal_only("404"))],
    ("POST", "/legal/preserved/{hold_id}/extend"): [
        Probe("/legal/preserved/999999/extend", legal_only("404"), {"until": "2030-01-01", "note": "court"})
    ],
    ("GET", "/notices/new"): [Probe("/notices/new", EVERYONE)],  # DSA Art 16: anyone, without an account
    ("POST", "/notices"): [Probe("/notices", outcomes(*["422"] * 6))],  # an empty notice: what is missing
    ("GET", "/notices/{receipt}"): [Probe("/notices/no-such-receipt", outcomes(*["404"] * 6))],
    ("GET", "/cases/{case_id}/threat"): [
        Probe("/cases/{open}/threat", LOGGED_IN),
        Probe("/cases/{legal}/threat", outcomes(OK, NO, NO, OK, OK, IN)),
    ],
    # Marking (and referring) is for moderators and above, not auditors; a second marking is told it is done.
    ("POST", "/cases/{case_id}/threat"): [Probe("/cases/{open}/threat", outcomes(GO, GO, GO, GO, NO, IN))],
    ("POST", "/cases/{case_id}/symbol-matches/{match_id}"): [
        Probe("/cases/{open}/symbol-matches/1", outcomes(GO, GO, GO, NO, NO, IN), {"opinion": "confirm"})
    ],
    ("POST", "/cases/{case_id}/symbol-crop"): [
        Probe(
            "/cases/{open}/symbol-crop",
            outcomes(GO, GO, GO, NO, NO, IN),
            {"bank": "none", "label": "x", "x": "0", "y": "0", "width": "20", "height": "20"},
        )
    ],
    ("POST", "/cases/{case_id}/threat/referrals"): [
        Probe("/cases/{open}/threat/referrals", outcomes(GO, GO, GO, GO, NO, IN), {"authority": "0"})
    ],
    ("GET", "/legal/report"): [Probe("/legal/report", outcomes(OK, NO, NO, OK, NO, IN))],
}


@dataclass
class Site:
    """The module's app, its database, the cases the probes name, and a client per role."""

    app: FastAPI
    db: Database
    cases: dict[str, int]
    clients: dict[str, tuple[TestClient, str]] = field(default_factory=dict)  # who -> (client, its CSRF token)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Site]:
    data = tmp_path_factory.mktemp("routes") / "data"
    data.mkdir()
    shutil.copy(sqlite_template, data / "bastion.db")
    settings = Settings(data_dir=data, database_url=f"sqlite:///{data / 'bastion.db'}", secure_cookies=False)
    db = Database.from_settings(settings)
    service = Service.from_settings(settings, db)
    site = Site(create_app(settings, service), db, _cases(service, db, _users(db)))
    with TestClient(site.app, follow_redirects=False) as anonymous:
        assert site.app.state.warmed.wait(timeout=120)  # /readyz is 200 once the models are warm
        site.clients[OUT] = (anonymous, _csrf(anonymous.get("/login").text))
        for role in Role:
            client = TestClient(site.app, follow_redirects=False)
            site.clients[role.value] = (client, _log_in(client, role.value))
        yield site
    db.dispose()


def _users(db: Database) -> dict[str, UserRow]:
    """A user per role named after it, a spare one each for logging in and out, and the people in the setup."""
    with db.transaction() as tx:
        for role in Role:
            create_user(tx, role.value, PASSWORD, role, "test")
            create_user(tx, f"{role.value}-spare", PASSWORD, role, "test")
        return {
            name: create_user(tx, name, PASSWORD, role, "test")
            for name, role in [("mod2", Role.MODERATOR), ("legal2", Role.LEGAL), ("target", Role.MODERATOR)]
        }


def _cases(service: Service, db: Database, people: dict[str, UserRow]) -> dict[str, int]:
    """An open case, cases escalated to seniors and to legal, an appeal against a legal decision, and two posters
    (one escalated to legal) whose media the case pages show."""
    texts = ["open", "senior", "legal", "legal_appeal"]
    service.check([Item(id=name, text="Join the Crimson Dawn Brigade today", author=f"a-{name}") for name in texts])
    cases = {name: _case_of(db, name) for name in texts}
    cases |= {"poster": check_banked_poster(service, "poster"), "legal_poster": check_banked_poster(service, "lp")}
    with db.transaction() as tx:
        mod2, legal2 = people["mod2"], people["legal2"]
        for name, to in [
            ("senior", "senior"),
            ("legal", "legal"),
            ("legal_appeal", "legal"),
            ("legal_poster", "legal"),
        ]:
            claim(tx, cases[name], mod2, utcnow())
            decide(tx, cases[name], mod2, Decision(f"escalate_{to}"), utcnow())
        claim(tx, cases["legal_appeal"], legal2, utcnow())
        decide(tx, cases["legal_appeal"], legal2, Decision.REMOVE, utcnow(), Category.RECRUITMENT)
        file_appeal(tx, "local", "legal_appeal", "a-legal_appeal", "a fictional appeal", utcnow())
    return cases


def _case_of(db: Database, item_id: str) -> int:
    with db.snapshot() as tx:
        case = tx.cases.for_item("local", item_id)
    assert case is not None
    return case.id


def _csrf(page: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', page)
    assert match, "every form carries a CSRF token"
    return match.group(1)


def _log_in(client: TestClient, username: str) -> str:
    """Log the client in; the session's CSRF token, read from a page that has a form."""
    response = client.post(
        "/login", data={"username": username, "password": PASSWORD, "csrf": _csrf(client.get("/login").text)}
    )
    assert response.status_code == 303 and response.headers["location"] == "/queue", response.text
    return _csrf(client.get("/me").text)


def _outcome(response: Any) -> str:
    if response.status_code == 303:
        return IN if response.headers["location"].startswith("/login") else GO
    if response.status_code == 403:  # a refused role, not a refused form token
        return NO if "Your role cannot" in response.text else "403 other"
    return str(response.status_code)


def _send(site: Site, who: str, method: str, probe: Probe) -> Any:
    path = probe.path.format(**site.cases)
    if probe.spare:
        return _send_fresh(site, who, method, path)
    client, token = site.clients[who]
    data = dict(probe.data)
    if path == "/admin/users":
        data["username"] = f"made-by-{who.replace(' ', '-').replace('_', '-')}"
    return client.request(method, path, data={**data, "csrf": token} if method == "POST" else None)


def _send_fresh(site: Site, who: str, method: str, path: str) -> Any:
    """From a client of its own, logged in as the role's spare user (or not at all): logging in or out there
    leaves the module's clients as they were."""
    with TestClient(site.app, follow_redirects=False) as client:
        token = _csrf(client.get("/login").text) if who == OUT else _log_in(client, f"{who}-spare")
        credentials = {"username": "moderator-spare" if who == OUT else f"{who}-spare", "password": PASSWORD}
        return client.request(method, path, data={**(credentials if path == "/login" else {}), "csrf": token})


CELLS = [(method, route, probe, who) for (method, route), probes in TABLE.items() for probe in probes for who in WHO]


@pytest.mark.parametrize(
    ("method", "route", "probe", "who"), CELLS, ids=[f"{c[0]} {c[2].path} as {c[3]}" for c in CELLS]
)
def test_each_role_gets_exactly_its_outcome(site: Site, method: str, route: str, probe: Probe, who: str) -> None:
    assert _outcome(_send(site, who, "GET" if method == "MOUNT" else method, probe)) == probe.expect[who]


def test_the_table_names_every_route(site: Site) -> None:
    served = {route for route in app_routes(site.app) if not route[1].startswith("/v1/")}
    assert served == set(TABLE), "a route without a row here (or a row for a route gone): add it to TABLE"


def test_every_row_names_every_role() -> None:
    assert all(set(probe.expect) == set(WHO) for probes in TABLE.values() for probe in probes)


def test_a_hidden_form_field_does_not_add_a_case_to_an_allow_bank(site: Site) -> None:
    """The case page offers only blocking banks; a crafted form naming an allow bank is refused by the server."""
    with site.db.transaction() as tx:
        create_bank(tx, Bank(name="cleared-posters", benign=True), "test")
    client, token = site.clients[Role.MODERATOR.value]
    case_id = site.cases["poster"]
    assert client.post(f"/cases/{case_id}/claim", data={"csrf": token}).status_code == 303
    assert "cleared-posters" not in client.get(f"/cases/{case_id}").text

    form = {"decision": "remove", "category": "propaganda", "add_to_bank": "cleared-posters", "csrf": token}
    response = client.post(f"/cases/{case_id}/decide", data=form)

    assert response.headers["location"] == f"/cases/{case_id}"
    assert "nobody adds to an allow bank from a case" in client.get(f"/cases/{case_id}").text
    with site.db.snapshot() as tx:
        assert tx.session.scalars(select(BankEntryRow).where(BankEntryRow.source == "review:local/poster")).all() == []
        case = tx.cases.get(case_id)
    assert case is not None and (case.state, case.assignee) == ("assigned", "moderator")
