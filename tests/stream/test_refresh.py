"""A bank update made by another process reaches a running worker within seconds, without a restart."""

from __future__ import annotations

import base64
import io
import json

import pytest

from bastion.demo import demo_poster
from tests.stream.conftest import Deployment

pytestmark = pytest.mark.postgres


def _action(deployment: Deployment, item_id: str) -> str | None:
    rows = deployment.sql(f"SELECT action FROM verdicts WHERE item_id = '{item_id}'")
    return str(rows[0][0]) if rows else None


def test_a_bank_entry_added_elsewhere_reaches_the_running_worker(deployment: Deployment) -> None:
    poster = deployment.tmp_path / "poster.png"
    buffer = io.BytesIO()
    demo_poster(5).save(buffer, "PNG")
    poster.write_bytes(buffer.getvalue())

    def image_row(item_id: str) -> dict[str, object]:
        media = {"base64": base64.b64encode(poster.read_bytes()).decode(), "content_type": "image/png"}
        return {"id": item_id, "kind": "image", "media": media}

    worker = deployment.start_worker(env={"BASTION_BANK_REFRESH_SECONDS": "1"})
    assert deployment.publish_rows([image_row("before")]).returncode == 0
    deployment.wait_for(lambda: _action(deployment, "before") is not None, what="the first image's verdict")
    assert _action(deployment, "before") == "allow"  # no bank knows it yet

    assert deployment.bastion("banks", "create", "fictional-posters").returncode == 0
    added = deployment.bastion("banks", "add", "fictional-posters", str(poster), "--label", "branded terrorist content")
    assert added.returncode == 0, added.stderr
    assert deployment.publish_rows([image_row("after")]).returncode == 0
    deployment.wait_for(lambda: _action(deployment, "after") is not None, what="the second image's verdict")

    assert _action(deployment, "after") != "allow"  # the same worker, now matching the new entry
    body = deployment.sql("SELECT body FROM verdicts WHERE item_id = 'after'")[0][0]
    assert "fictional-posters" in json.dumps(body)
    assert worker.poll() is None and len(deployment.workers) == 1  # never restarted
