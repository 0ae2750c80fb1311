"""A real local HTTP server that speaks OpenAI's chat-completions protocol, as a judge endpoint would.

It answers every request with `reply` (a JSON string or raw text) after `delay`
seconds, unless `script` holds queued responses: (status, headers, content),
taken one per request first. It counts requests and the most it served at once.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


def answer(label: str, category: str, spans: list[str] | None = None, context: str = "none") -> str:
    """A valid answer of the judge's schema."""
    return json.dumps(
        {
            "label": label,
            "category": category,
            "protected_context": context,
            "spans": spans or [],
            "rationale": "fictional test answer",
        }
    )


class FakeJudgeServer:
    def __init__(self) -> None:
        self.reply = answer("not_tvec", "benign")
        self.delay = 0.0
        self.script: list[tuple[int, dict[str, str], str]] = []
        self.requests: list[dict[str, object]] = []
        self.in_flight = 0
        self.most_in_flight = 0
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with server._lock:
                    server.requests.append({"path": self.path, "body": body, "auth": self.headers.get("Authorization")})
                    status, headers, content = server.script.pop(0) if server.script else (200, {}, server.reply)
                    server.in_flight += 1
                    server.most_in_flight = max(server.most_in_flight, server.in_flight)
                try:
                    time.sleep(server.delay)
                    payload = json.dumps({"choices": [{"message": {"role": "assistant", "content": content}}]})
                    self.send_response(status)
                    for name, value in {"Content-Type": "application/json", **headers}.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(payload.encode())
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting (a timeout test)
                finally:
                    with server._lock:
                        server.in_flight -= 1

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def system_prompt(self, index: int = -1) -> str:
        body = self.requests[index]["body"]
        assert isinstance(body, dict)
        return str(body["messages"][0]["content"])


@pytest.fixture
def judge_server() -> Iterator[FakeJudgeServer]:
    fake = FakeJudgeServer()
    thread = threading.Thread(target=fake.httpd.serve_forever, daemon=True)
    thread.start()
    yield fake
    fake.httpd.shutdown()
    fake.httpd.server_close()
