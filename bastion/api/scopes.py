"""What a platform API key may do: its scopes, named once for the API, the CLI and the demo.

Scopes are independent: `admin` does not imply the others, so a key says in
full what it can do. The storage layer keeps them as plain strings and never
imports this module.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class Scope(StrEnum):
    CHECK = "check"
    REPORT = "report"
    APPEAL = "appeal"
    NOTICE = "notice"
    BANKS_READ = "banks:read"
    BANKS_WRITE = "banks:write"
    ADMIN = "admin"


MEANING: dict[Scope, str] = {
    Scope.CHECK: "POST /v1/check",
    Scope.REPORT: "POST /v1/reports (pass on a user's report)",
    Scope.APPEAL: "POST /v1/appeals and /v1/complaints (pass on an author's appeal or complaint, DSA Art 20)",
    Scope.NOTICE: "POST /v1/notices (pass on a DSA Art 16 notice a user filed with the platform)",
    Scope.BANKS_READ: "list banks and their entries",
    Scope.BANKS_WRITE: "create and enable banks, add entries, send feedback on an entry",
    Scope.ADMIN: "disable a bank, delete an entry (both silently stop matching known content)",
}

# A platform integration checks content and passes on its users' reports and
# appeals; managing hash banks is a separate, deliberate grant.
DEFAULT_SCOPES: frozenset[Scope] = frozenset({Scope.CHECK, Scope.REPORT, Scope.APPEAL})


class ScopeError(ValueError):
    """A scope list that names no scope or an unknown one; the message lists the valid names."""


def valid_names() -> str:
    return ", ".join(scope.value for scope in Scope)


def format_scopes(names: Iterable[str]) -> str:
    """Scope names comma-separated in the order they are declared here (names unknown here last, sorted)."""
    order = {scope.value: position for position, scope in enumerate(Scope)}
    return ",".join(sorted({str(name) for name in names}, key=lambda name: (order.get(name, len(order)), name)))


def parse_scopes(text: str) -> frozenset[Scope]:
    """Comma-separated scope names (`check,report`) as scopes, or ScopeError naming the valid ones."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in {scope.value for scope in Scope}]
    if unknown:
        named = "scope" if len(unknown) == 1 else "scopes"
        raise ScopeError(f"unknown {named} {', '.join(map(repr, unknown))}; valid scopes: {valid_names()}")
    if not names:
        raise ScopeError(f"name at least one scope; valid scopes: {valid_names()}")
    return frozenset(Scope(name) for name in names)
