"""A connection carries at most `keepalive_requests` requests; then the server answers and closes it.

`bastion serve --workers N` runs N processes on one listening socket, and a keep-alive connection stays with
the process that accepted it. Connections opened together (a platform's client pool starting, a load test)
were accepted in one go by whichever process woke first: one process held 73% of the requests, its batches
twice the other's, and it alone set the latency. A client whose connection is closed opens another, and a new
connection goes to the first process free to accept it, the least busy one; so a bound on the requests a
connection carries spreads the load by itself, as nginx's `keepalive_requests` does. A reconnection costs a
TCP handshake per `keepalive_requests` requests.
"""

from __future__ import annotations

from functools import cache

from bastion.api.slow_clients import DeadlineProtocol
from bastion.settings import Settings


@cache
def _requests_per_connection() -> int:
    """From the environment each worker process inherits."""
    return Settings().keepalive_requests


class ServingProtocol(DeadlineProtocol):
    """uvicorn's httptools protocol with the slow clients' deadlines and a bound on requests per connection."""

    _served = 0

    def on_headers_complete(self) -> None:
        super().on_headers_complete()
        self._served += 1
        if self._served >= _requests_per_connection() and self.cycle is not None:
            self.cycle.keep_alive = False  # uvicorn answers with `connection: close`, then closes
