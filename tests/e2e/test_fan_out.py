"""`meltano run tap target-a target-b`: one extraction into several loaders, end to end."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from meltano.core.errors import ExitCode
from meltano.core.processes import tee
from tests.conftest import Invoke
from tests.e2e.conftest import ids, runs, state

pytestmark = pytest.mark.skipif(not tee.is_available(), reason="tee(2) is Linux only")
FAN_OUT_ID = "dev:tap-counter-to-target-jsonl+target-b"
AddTarget = Callable[..., Path]


@pytest.fixture
def add_target_b(pipeline_project: Path) -> AddTarget:
    """Give the project `target-b` (a target-jsonl writing output/b.jsonl) with extra config."""
    path = pipeline_project / "meltano.yml"
    original = path.read_text()

    def add(**config: object) -> Path:
        extra = "".join(f"\n      {key}: {json.dumps(value)}" for key, value in config.items())
        path.write_text(
            original.replace(
                "  mappers:",
                "  - name: target-b\n    inherit_from: target-jsonl\n    config:\n"
                f"      path: $MELTANO_PROJECT_ROOT/output/b.jsonl{extra}\n  mappers:",
            )
        )
        return pipeline_project

    return add


def b_rows(project: Path) -> list[dict[str, object]]:
    path = project / "output" / "b.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def b_ids(project: Path) -> list[int]:
    return [row["record"]["id"] for row in b_rows(project) if row["type"] == "RECORD"]  # type: ignore[index]


def test_one_extraction_into_two_targets(invoke: Invoke, add_target_b: AddTarget) -> None:
    project = add_target_b()
    result = invoke("run", "tap-counter", "target-jsonl", "target-b")
    assert result.exit_code == 0, result.output
    assert ids(project) == b_ids(project) == [1, 2, 3, 4, 5, 6]
    assert state(invoke, FAN_OUT_ID) == {"singer_state": {"bookmarks": {"counter": {"id": 6}}}}
    assert state(invoke) == {}  # the single-loader state ID is another pipeline's
    (run,) = runs(invoke)
    assert (run["job_name"], run["state"]) == (FAN_OUT_ID, "SUCCESS")
    again = invoke(
        "run", "tap-counter", "target-jsonl", "target-b", env={"TAP_COUNTER_RECORDS": "8"}
    )
    assert again.exit_code == 0, again.output
    assert ids(project) == b_ids(project) == list(range(1, 9))


def test_a_target_failing_midway_keeps_what_both_confirmed(
    invoke: Invoke, add_target_b: AddTarget
) -> None:
    project = add_target_b(exit_at=5)
    env = {"TAP_COUNTER_RECORDS": "10"}
    result = invoke("run", "tap-counter", "target-jsonl", "target-b", env=env)
    assert result.exit_code == ExitCode.FAILED
    assert "Loader target-b failed with exit code 5" in result.stderr
    assert "target-jsonl failed" not in result.stderr  # stopped, not blamed
    # target-b echoed the states of records 2 and 4 before stopping at record 5.
    assert state(invoke, FAN_OUT_ID) == {"singer_state": {"bookmarks": {"counter": {"id": 4}}}}
    assert runs(invoke)[0]["state"] == "FAIL"

    add_target_b()  # fixed: the rerun resumes after record 4 in both targets
    rerun = invoke("run", "tap-counter", "target-jsonl", "target-b", env=env)
    assert rerun.exit_code == 0, rerun.output
    assert b_ids(project) == list(range(1, 11))  # no gap, nothing twice
    first = ids(project)
    assert sorted(set(first)) == list(range(1, 11))  # no gap; records after 4 may come twice
    assert first[-6:] == list(range(5, 11))
    assert state(invoke, FAN_OUT_ID) == {"singer_state": {"bookmarks": {"counter": {"id": 10}}}}


def test_a_mapper_before_the_loaders_applies_to_both(
    invoke: Invoke, add_target_b: AddTarget
) -> None:
    project = add_target_b()
    result = invoke(
        "run", "--state-id-suffix", "upper", "tap-counter", "upper", "target-jsonl", "target-b"
    )
    assert result.exit_code == 0, result.output
    assert ids(project) == b_ids(project) == [1, 2, 3, 4, 5, 6]
    jsonl = (project / "output" / "tap_counter.jsonl").read_text()
    assert jsonl == (project / "output" / "b.jsonl").read_text()
    assert invoke("state", "list").stdout == f"{FAN_OUT_ID}:upper\n"


def test_a_mapper_between_loaders_is_refused(invoke: Invoke, add_target_b: AddTarget) -> None:
    project = add_target_b()
    result = invoke("run", "tap-counter", "target-jsonl", "upper", "target-b")
    assert result.exit_code == ExitCode.FAILED
    assert "mappers of one branch of a fan-out are not supported" in result.stderr
    assert "Put mappers before the first loader" in result.stderr
    assert ids(project) == [] and b_ids(project) == []


def test_dry_run_names_every_loader(invoke: Invoke, add_target_b: AddTarget) -> None:
    add_target_b()
    result = invoke("run", "--dry-run", "tap-counter", "target-jsonl", "target-b")
    assert result.exit_code == 0, result.output
    assert "target-b" in result.stderr
