"""Poison messages: dead-lettered with their error after N failures, shown by `bastion dlq list` and the admin page,
and replayed after the fix. The poison is real: a PostgreSQL trigger refuses the item, as a broken database rule would.
"""

from __future__ import annotations

import asyncio
import re

import nats
import pytest
from fastapi.testclient import TestClient

from bastion.api.app import create_app
from bastion.review.accounts import Role, create_user
from bastion.service import Service
from tests.stream.conftest import NATS_URL, Deployment

pytestmark = pytest.mark.postgres
PASSWORD = "fictional-password-1"
_POISON = """
CREATE FUNCTION refuse_poison() RETURNS trigger AS $$
BEGIN
  IF NEW.id LIKE 'poison-%' THEN RAISE EXCEPTION 'fictional broken rule refuses %', NEW.id; END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER refuse_poison BEFORE INSERT ON items FOR EACH ROW EXECUTE FUNCTION refuse_poison();
"""


async def _publish_raw(subject: str, body: bytes) -> None:
    nc = await nats.connect(NATS_URL)
    await nc.jetstream().publish(subject, body)
    await nc.close()


def _dead_lettered(deployment: Deployment) -> int:
    return deployment.stream_state()["dead_letters"]


@pytest.fixture
def poisoned(deployment: Deployment) -> Deployment:
    deployment.sql(_POISON)
    rows: list[dict[str, object]] = [{"id": f"fine-{n}", "text": f"post {n} from the square"} for n in range(4)]
    rows.append({"id": "poison-1", "text": "a post the database refuses"})
    assert deployment.publish_rows(rows).returncode == 0
    asyncio.run(_publish_raw(deployment.names.items_subject, b"{not an item"))
    deployment.start_worker(env={"BASTION_WORKER_MAX_DELIVERIES": "3"})
    deployment.wait_for(lambda: _dead_lettered(deployment) == 2, what="two dead letters")
    return deployment


def test_a_poison_message_is_dead_lettered_after_n_tries_and_replayed_after_the_fix(poisoned: Deployment) -> None:
    deployment = poisoned
    assert deployment.sql("SELECT count(*) FROM verdicts") == [(4,)]  # the rest of its batch went through
    listed = deployment.bastion("dlq", "list")
    assert listed.returncode == 0
    assert re.search(r"poison-1\s*│\s*3\s*│", listed.stdout), listed.stdout  # tried three times
    assert "fictional broken rule refuses poison-1" in listed.stdout
    assert "(not an item)" in listed.stdout and "not JSON" in listed.stdout  # dead at once: retrying cannot help

    deployment.sql("DROP TRIGGER refuse_poison ON items")  # the fix
    seq = re.search(r"│\s*(\d+)\s*│[^\n]*poison-1", listed.stdout)
    assert seq
    replayed = deployment.bastion("dlq", "replay", seq.group(1))
    assert replayed.returncode == 0 and "replayed 1" in replayed.stdout
    deployment.wait_for(lambda: deployment.sql("SELECT count(*) FROM verdicts") == [(5,)], what="the replayed verdict")
    assert _dead_lettered(deployment) == 1
    assert deployment.sql("SELECT count(*) FROM audit_log WHERE subject = 'item:local/poison-1'") == [(1,)]
    missing = deployment.bastion("dlq", "replay", "424242")
    assert missing.returncode == 1 and "no dead letter with seq 424242" in missing.stderr


def test_admins_see_and_replay_dead_letters_in_the_web_ui(poisoned: Deployment) -> None:
    deployment = poisoned
    service = Service.from_settings(deployment.settings.model_copy(update={"secure_cookies": False}))
    with service.db.transaction() as tx:
        create_user(tx, "boss", PASSWORD, Role.ADMIN, "test")
        create_user(tx, "mod", PASSWORD, Role.MODERATOR, "test")
    client = TestClient(create_app(service.settings, service), follow_redirects=False)

    def login(username: str) -> None:
        token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text)
        assert token
        client.post("/login", data={"username": username, "password": PASSWORD, "csrf": token.group(1)})

    login("mod")
    assert client.get("/admin/dead-letters").status_code == 403
    client.cookies.clear()
    login("boss")
    page = client.get("/admin/dead-letters")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert token
    assert page.status_code == 200
    assert "poison-1" in page.text and "fictional broken rule refuses poison-1" in page.text
    deployment.sql("DROP TRIGGER refuse_poison ON items")
    seq = re.search(r'action="/admin/dead-letters/(\d+)/replay"[^\n]*\n?.*', page.text.split("poison-1", 1)[1])
    assert seq
    replayed = client.post(f"/admin/dead-letters/{seq.group(1)}/replay", data={"csrf": token.group(1)})
    assert replayed.status_code == 303
    assert "back on the stream" in client.get("/admin/dead-letters").text
    deployment.wait_for(lambda: deployment.sql("SELECT count(*) FROM verdicts") == [(5,)], what="the replayed verdict")
    assert deployment.sql("SELECT actor FROM audit_log WHERE action = 'dlq.replay'") == [("user:boss",)]
    service.db.dispose()
