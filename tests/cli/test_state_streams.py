"""`meltano state get/clear --stream` through CliRunner, on systemdb (SQLite) and `file://`.

PostgreSQL and S3 run the same `exercise_streams` in tests/e2e/test_state_streams.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from meltano.core.errors import ExitCode
from tests.conftest import Invoke

ID = "dev:tap-to-target"
COMPLETED = {
    "singer_state": {
        "bookmarks": {"users": {"id": 4}, "orders": {"id": 7}, "items": {"id": 2}},
        "currently_syncing": "orders",
    }
}
PARTIAL = {"singer_state": {"bookmarks": {"orders": {"id": 9}}}}


def exercise_streams(invoke: Invoke, env: dict[str, str] | None = None) -> None:
    """get and clear --stream give the same results on every backend."""
    assert invoke("state", "set", "--force", ID, json.dumps(COMPLETED), env=env).exit_code == 0
    assert invoke("state", "merge", ID, json.dumps(PARTIAL), env=env).exit_code == 0
    got = invoke("state", "get", ID, "--stream", "orders", env=env)
    assert (got.exit_code, got.stdout) == (0, '{"id":9}\n')
    cleared = invoke(
        "state", "clear", "--force", ID, "--stream", "orders", "--stream", "items", env=env
    )
    assert cleared.exit_code == 0, cleared.stderr
    exported = json.loads(invoke("state", "export", env=env).stdout)
    assert exported == {
        ID: {
            "completed": {"singer_state": {"bookmarks": {"users": {"id": 4}}}},
            "partial": {"singer_state": {"bookmarks": {}}},
        }
    }
    missing = invoke("state", "clear", "--force", ID, "--stream", "orders", env=env)
    assert missing.exit_code == ExitCode.FAILED
    assert "no bookmark for stream 'orders' (it has bookmarks for: users)" in missing.stderr
    assert json.loads(invoke("state", "export", env=env).stdout) == exported
    unknown = invoke("state", "get", ID, "--stream", "orders", env=env)
    assert unknown.exit_code == ExitCode.FAILED and unknown.stdout == ""
    assert f"meltano state get {ID}" in unknown.stderr


def test_streams_on_systemdb(invoke: Invoke) -> None:
    exercise_streams(invoke)


def test_streams_on_file_backend(invoke: Invoke, tmp_path: Path) -> None:
    exercise_streams(invoke, {"MELTANO_STATE_BACKEND_URI": f"file://{tmp_path / 'state'}"})
    stored = json.loads((tmp_path / "state" / ID / "state.json").read_text())
    assert stored["completed"] == {"singer_state": {"bookmarks": {"users": {"id": 4}}}}


def test_get_stream_pretty(invoke: Invoke) -> None:
    invoke("state", "set", "--force", ID, json.dumps(COMPLETED))
    pretty = invoke("state", "get", ID, "--stream", "users", "--format", "pretty")
    assert pretty.stdout == '{\n  "id": 4\n}\n'


def test_stream_of_an_unknown_state_id(invoke: Invoke) -> None:
    for args in (
        ("get", "dev:nope", "--stream", "x"),
        ("clear", "--force", "dev:nope", "--stream", "x"),
    ):
        result = invoke("state", *args)
        assert result.exit_code == ExitCode.FAILED
        assert "No state stored for 'dev:nope'" in result.stderr
        assert "meltano state list" in result.stderr
    assert invoke("state", "list").stdout == ""


def test_clear_stream_asks_first(invoke: Invoke) -> None:
    invoke("state", "set", "--force", ID, json.dumps(COMPLETED))
    declined = invoke("state", "clear", ID, "--stream", "users", input="n\n")
    assert declined.exit_code == 1 and "remove the bookmarks of users" in declined.output
    assert invoke("state", "get", ID, "--stream", "users").stdout == '{"id":4}\n'


@pytest.mark.parametrize(
    "args", [("--all", "--stream", "users"), ("--stream", "users")], ids=["with-all", "no-id"]
)
def test_clear_stream_needs_one_state_id(invoke: Invoke, args: tuple[str, ...]) -> None:
    result = invoke("state", "clear", "--force", *args)
    assert result.exit_code == ExitCode.USAGE
