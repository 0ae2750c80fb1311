"""Path parameters shared by the routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

# A row's id as the database stores it (a signed 64-bit integer): a larger one in a URL is a 422, where it was a
# 500 (SQLite cannot bind it; schemathesis asked for notice 9223372036854775808).
RowId = Annotated[int, Path(ge=1, le=2**63 - 1, description="the id Bastion gave it")]
