"""A PostgreSQL session stopped in the middle of a statement, for the tests of stalled writers."""

from __future__ import annotations

import socket
import struct

from sqlalchemy import URL, make_url


class MidStatementClient:
    """A PostgreSQL client that opens a transaction, runs `first` in it (taking a lock, say), sends a statement's
    parse and stops before its sync, as a writer stopped (SIGSTOP) while sending a statement does: the server then
    waits on it, and its idle-in-transaction timeout does not apply. Spoken on a socket: a driver never stops
    half-way."""

    def __init__(self, database_url: URL | str, application: str, first: str) -> None:
        url = make_url(database_url)
        self._socket = socket.create_connection((url.host or "127.0.0.1", url.port or 5432), timeout=30)
        fields = {"user": url.username or "postgres", "database": url.database or "", "application_name": application}
        startup = struct.pack("!I", 196608) + b"".join(f"{k}\0{v}\0".encode() for k, v in fields.items()) + b"\0"
        self._socket.sendall(struct.pack("!I", len(startup) + 4) + startup)
        self._until_ready()
        self._query("BEGIN")
        self._query(first)
        self._socket.sendall(_message(b"P", b"\0SELECT 1\0\0\0"))  # a parse; its sync never follows

    def ended_by_server(self) -> bool:
        """Whether the server ends the session: it says why, then closes the connection."""
        received = b""
        while chunk := self._socket.recv(65536):
            received += chunk
        return b"terminating connection due to administrator command" in received

    def close(self) -> None:
        self._socket.close()

    def _query(self, sql: str) -> None:
        self._socket.sendall(_message(b"Q", sql.encode() + b"\0"))
        self._until_ready()

    def _until_ready(self) -> None:
        received = b""
        while b"Z\0\0\0\x05" not in received:  # ReadyForQuery, idle or in a transaction
            chunk = self._socket.recv(65536)
            assert chunk, "the server closed the connection"
            received += chunk


def _message(kind: bytes, body: bytes) -> bytes:
    return kind + struct.pack("!I", len(body) + 4) + body
