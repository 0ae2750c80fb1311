"""A small stand-in for the DSA Transparency Database, a real HTTP server on a local port that speaks the API as
the brief §3.1 describes it: a bearer token, `POST /api/v1/statements` with 1 to 100 statements stored all or
none, each checked field by field (the brief's rules, via the validator) and refused as a duplicate when its puid
is already stored (422 with `errors.statement_N`); `GET /api/v1/statement/existing-puid/{puid}` answering 302 or
404. It fails the ways the real one can, one scripted behaviour per call to the batch endpoint:

- `ok`: answer normally;
- `429`: "Limit Reached", with a Retry-After;
- `slow_stored`: store the batch, then answer only after the client has given up (a timeout that hides success);
- `slow_lost`: wait past the client's timeout and store nothing;
- `500`: a server error, nothing stored.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from bastion.legal.sor_validator import validate

TOKEN = "1|fictional-platform-token"


@dataclass
class FakeTdb:
    url: str = ""
    stored: dict[str, dict[str, Any]] = field(default_factory=dict)  # puid -> statement
    script: list[str] = field(default_factory=list)  # behaviours for the next batch calls; then "ok"
    retry_after: str = "7"
    slow_seconds: float = 1.0
    batch_sizes: list[int] = field(default_factory=list)  # the size of every batch call received
    lookups: list[str] = field(default_factory=list)  # puids asked about
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer_batch(self, body: Any) -> tuple[int, dict[str, Any], dict[str, str]]:
        statements = body.get("statements") if isinstance(body, dict) else None
        with self.lock:
            behaviour = self.script.pop(0) if self.script else "ok"
        if behaviour == "429":
            return 429, {"message": "Limit Reached. Please do not overload the API"}, {"Retry-After": self.retry_after}
        if behaviour == "500":
            return 500, {"message": "Server Error"}, {}
        if behaviour == "slow_lost":
            threading.Event().wait(self.slow_seconds)
            return 500, {}, {}
        if not isinstance(statements, list) or not 1 <= len(statements) <= 100:
            return 422, {"message": "between 1 and 100", "errors": {"statements": ["between 1 and 100"]}}, {}
        self.batch_sizes.append(len(statements))
        errors = self._errors(statements)
        if errors:
            return 422, {"message": "The given data was invalid.", "errors": errors}, {}
        with self.lock:
            for statement in statements:
                self.stored[statement["puid"]] = statement
        if behaviour == "slow_stored":
            threading.Event().wait(self.slow_seconds)
        created = [{"puid": s["puid"], "uuid": f"uuid-{s['puid'][-12:]}"} for s in statements]
        return 201, {"statements": created}, {}

    def _errors(self, statements: list[Any]) -> dict[str, Any]:
        errors: dict[str, Any] = {}
        seen: set[str] = set()
        for index, statement in enumerate(statements):
            problems: dict[str, list[str]] = {}
            for problem in validate(statement) if isinstance(statement, dict) else ["statement: not an object"]:
                name, _, message = problem.partition(": ")
                problems.setdefault(name, []).append(message)
            puid = statement.get("puid") if isinstance(statement, dict) else None
            if puid in self.stored or puid in seen:
                problems.setdefault("puid", []).append("The identifier given is not unique within this platform.")
            seen.add(str(puid))
            if problems:
                errors[f"statement_{index}"] = problems
        return errors


def _handler(tdb: FakeTdb) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            if not self._authorised() or self.path != "/api/v1/statements":
                return
            length = int(self.headers.get("Content-Length") or 0)
            try:
                body = json.loads(self.rfile.read(length))
            except ValueError:
                self._send(400, {"message": "not JSON"})
                return
            status, answer, headers = tdb.answer_batch(body)
            self._send(status, answer, headers)

        def do_GET(self) -> None:
            found = re.fullmatch(r"/api/v1/statement/existing-puid/([A-Za-z0-9_-]+)", self.path)
            if not self._authorised() or found is None:
                return
            puid = found.group(1)
            tdb.lookups.append(puid)
            if puid in tdb.stored:
                self._send(302, {"message": "statement of reason found", "puid": puid})
            else:
                self._send(404, {"message": "statement of reason not found", "puid": puid})

        def _authorised(self) -> bool:
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                self._send(401, {"message": "Unauthenticated."})
                return False
            return True

        def _send(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
            data = json.dumps(body).encode()
            try:
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting (a scripted timeout)

        def log_message(self, *args: object) -> None:
            pass

    return Handler


@contextmanager
def fake_tdb() -> Iterator[FakeTdb]:
    tdb = FakeTdb()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(tdb))
    server.daemon_threads = True
    tdb.url = f"http://127.0.0.1:{server.server_address[1]}/api/v1"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield tdb
    finally:
        server.shutdown()
        server.server_close()
