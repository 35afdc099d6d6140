"""Per-stream state end to end: `run --full-refresh-stream` with the stdlib plugins, and
`state get/clear --stream`, on systemdb (SQLite, PostgreSQL), `file://` and S3 (moto)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from meltano.core.errors import ExitCode
from tests.cli.test_state_streams import exercise_streams
from tests.conftest import Invoke
from tests.e2e.conftest import rows, state
from tests.services.servers import (  # noqa: F401 - fixtures used by name
    postgres_schema_uri,
    postgres_uri,
    s3_endpoint,
)

STREAMS = {"TAP_COUNTER_STREAMS": "a,b"}


def _s3_env(s3_endpoint: str) -> dict[str, str]:
    import boto3

    bucket = f"state-{uuid.uuid4().hex[:12]}"
    boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id="k",
        aws_secret_access_key="s",
    ).create_bucket(Bucket=bucket)
    return {
        "MELTANO_STATE_BACKEND_URI": f"s3://{bucket}/meltano/state",
        "MELTANO_STATE_BACKEND_S3_ENDPOINT_URL": s3_endpoint,
        "MELTANO_STATE_BACKEND_S3_AWS_ACCESS_KEY_ID": "k",
        "MELTANO_STATE_BACKEND_S3_AWS_SECRET_ACCESS_KEY": "s",
        "AWS_DEFAULT_REGION": "us-east-1",
    }


@pytest.fixture(params=["systemdb", "file", "postgres", "s3"])
def backend_env(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, str]:
    """The environment that selects one backend for `meltano` (servers start on demand)."""
    if request.param == "file":
        return {"MELTANO_STATE_BACKEND_URI": f"file://{tmp_path / 'state'}"}
    if request.param == "postgres":
        return {"MELTANO_DATABASE_URI": request.getfixturevalue("postgres_schema_uri")}
    if request.param == "s3":
        return _s3_env(request.getfixturevalue("s3_endpoint"))
    return {}


def streamed(project: Path) -> list[tuple[str, int]]:
    return [
        (row["stream"], row["record"]["id"]) for row in rows(project) if row["type"] == "RECORD"
    ]


def bookmarks(invoke: Invoke, env: dict[str, str]) -> dict[str, object]:
    value: dict[str, object] = state(_bound(invoke, env))["singer_state"]["bookmarks"]
    return value


def _bound(invoke: Invoke, env: dict[str, str]) -> Callable[..., object]:
    return lambda *args: invoke(*args, env=env)


@pytest.mark.slow
def test_full_refresh_of_one_stream(
    invoke: Invoke, pipeline_project: Path, backend_env: dict[str, str]
) -> None:
    env = {**STREAMS, **backend_env}
    assert invoke("run", "tap-counter", "target-jsonl", env=env).exit_code == 0
    assert bookmarks(invoke, env) == {"a": {"id": 6}, "b": {"id": 6}}

    # A refresh of `a` that fails at its 5th record keeps what it confirmed, and `b`'s bookmark.
    failing = {**env, "TAP_COUNTER_EXIT_AT": "5"}
    result = invoke("run", "tap-counter", "target-jsonl", "--full-refresh-stream", "a", env=failing)
    assert result.exit_code == ExitCode.FAILED
    assert bookmarks(invoke, env) == {"a": {"id": 4}, "b": {"id": 6}}

    grown = {**env, "TAP_COUNTER_RECORDS": "8"}
    result = invoke("run", "tap-counter", "target-jsonl", "--full-refresh-stream", "a", env=grown)
    assert result.exit_code == 0, result.output
    assert bookmarks(invoke, env) == {"a": {"id": 8}, "b": {"id": 8}}
    first = [("a", n) for n in range(1, 7)] + [("b", n) for n in range(1, 7)]
    refresh = [("a", n) for n in range(1, 5)] + [("a", n) for n in range(1, 9)]
    assert streamed(pipeline_project) == first + refresh + [("b", 7), ("b", 8)]


def test_full_refresh_of_an_unknown_stream_runs_nothing(
    invoke: Invoke, pipeline_project: Path
) -> None:
    assert invoke("run", "tap-counter", "target-jsonl", env=STREAMS).exit_code == 0
    before = streamed(pipeline_project)
    result = invoke("run", "tap-counter", "target-jsonl", "--full-refresh-stream", "c", env=STREAMS)
    assert result.exit_code == ExitCode.FAILED
    assert "no bookmark for stream 'c' (it has bookmarks for: a, b)" in result.stderr
    assert streamed(pipeline_project) == before
    assert bookmarks(invoke, {}) == {"a": {"id": 6}, "b": {"id": 6}}


def test_full_refresh_stream_without_state_or_with_full_refresh(
    invoke: Invoke, pipeline_project: Path
) -> None:
    result = invoke("run", "tap-counter", "target-jsonl", "--full-refresh-stream", "a", env=STREAMS)
    assert result.exit_code == ExitCode.FAILED
    assert "No state stored for 'dev:tap-counter-to-target-jsonl'" in result.stderr
    both = invoke(
        "run", "tap-counter", "target-jsonl", "--full-refresh", "--full-refresh-stream", "a"
    )
    assert both.exit_code == ExitCode.USAGE
    assert "drop --full-refresh-stream" in both.stderr


def test_run_after_clearing_one_stream(invoke: Invoke, pipeline_project: Path) -> None:
    assert invoke("run", "tap-counter", "target-jsonl", env=STREAMS).exit_code == 0
    assert (
        invoke(
            "state", "clear", "--force", "dev:tap-counter-to-target-jsonl", "--stream", "b"
        ).exit_code
        == 0
    )
    again = invoke("run", "tap-counter", "target-jsonl", env=STREAMS)
    assert again.exit_code == 0, again.output
    assert streamed(pipeline_project)[12:] == [("b", n) for n in range(1, 7)]


@pytest.mark.slow
def test_state_stream_commands_on_postgres(invoke: Invoke, postgres_schema_uri: str) -> None:
    exercise_streams(invoke, {"MELTANO_DATABASE_URI": postgres_schema_uri})


@pytest.mark.slow
def test_state_stream_commands_on_s3(invoke: Invoke, s3_endpoint: str) -> None:
    exercise_streams(invoke, _s3_env(s3_endpoint))
