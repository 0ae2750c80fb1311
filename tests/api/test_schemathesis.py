"""Schemathesis against the project's own OpenAPI schema: the server does what the schema says.

A short run (a few examples an operation) so that it fits the suite
(`BASTION_SCHEMATHESIS_EXAMPLES` raises it). The five-minute run, every check
over HTTP against `bastion serve` with stateful sequences too, is
`make fuzz` (bench/fuzz.py); docs/benchmarks.md records what it found.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from bastion.api.app import create_app
from bastion.api.scopes import Scope
from bastion.service import Service
from bastion.settings import Settings

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning")]
_EXAMPLES = int(os.environ.get("BASTION_SCHEMATHESIS_EXAMPLES", "8"))
# Every check but one: "schema-valid data is accepted" cannot hold for rules no JSON Schema can say (an id of
# printable characters, media that decodes as an image, a PDQ hash of 64 hex digits), which answer 422 as
# documented.
_LEFT_OUT = [positive_data_acceptance]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[object, str]]:
    data_dir: Path = tmp_path_factory.mktemp("schemathesis") / "data"
    service = Service.from_settings(Settings(data_dir=data_dir))
    with service.db.transaction() as tx:
        key = tx.keys.create("schemathesis", Scope).secret
    yield create_app(service.settings, service), key
    service.db.dispose()


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_the_server_does_what_its_schema_says(served: tuple[object, str], mode: GenerationMode) -> None:
    app, key = served
    api = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures: dict[str, str] = {}
    for found in api.get_all_operations():
        operation = found.ok()

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=_EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def conforms(case: schemathesis.Case) -> None:
            case.call_and_validate(headers={"Authorization": f"Bearer {key}"}, excluded_checks=_LEFT_OUT)

        try:
            conforms()
        except Unsatisfiable:  # no invalid request to make: an operation without parameters or body
            continue
        except (Exception, BaseExceptionGroup) as error:  # each operation's first failure, all of them reported at once
            failures[operation.label] = "; ".join(_summaries(error))
            if hasattr(error, "__notes__"):
                failures[operation.label] += " // " + " ".join(error.__notes__)[:600]

    assert not failures, "\n".join(f"{label}: {problem}" for label, problem in failures.items())


def _summaries(error: BaseException) -> list[str]:
    """The first line of each distinct failure schemathesis found."""
    inner = error.exceptions if isinstance(error, BaseExceptionGroup) else [error]
    return [f"{type(e).__name__}: {' / '.join(str(e).splitlines()[:12])}" for e in inner]
