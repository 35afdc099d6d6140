"""`meltano run --retries N`: a failed block set reruns from the state it committed."""

from __future__ import annotations

from pathlib import Path

import pytest

from meltano.core.errors import ExitCode
from tests.e2e.conftest import ids, state
from tests.faults.conftest import run_records

pytestmark = pytest.mark.slow

# The target fails at the 4th record it receives. The first attempt commits id 3 (a STATE
# after every record); the retry resumes after it, so the target receives only 4, 5 and 6.
FAILS_ONCE = {"TAP_COUNTER_STATE_EVERY": "1", "TARGET_JSONL_EXIT_AT": "4"}
DONE = {"singer_state": {"bookmarks": {"counter": {"id": 6}}}}


def test_a_retry_resumes_from_committed_state(invoke, pipeline_project: Path) -> None:
    result = invoke(
        "run", "--retries", "2", "--retry-delay", "0", "tap-counter", "target-jsonl", env=FAILS_ONCE
    )
    assert result.exit_code == 0, result.output
    assert ids(pipeline_project) == [1, 2, 3, 4, 5, 6]  # nothing loaded twice, nothing lost
    assert state(invoke) == DONE
    assert [r.state for r in reversed(run_records(pipeline_project))] == ["FAIL", "SUCCESS"]
    assert "block set failed, retrying" in result.stderr
    assert "attempts=2" in result.stderr


def test_every_attempt_is_a_run_record_and_the_last_error_is_the_runs(
    invoke, pipeline_project: Path
) -> None:
    env = {"TAP_COUNTER_STATE_EVERY": "1", "TARGET_JSONL_EXIT_AT": "1"}  # fails every time
    result = invoke(
        "run", "--retries", "2", "--retry-delay", "0", "tap-counter", "target-jsonl", env=env
    )
    assert result.exit_code == ExitCode.FAILED
    assert "Loader target-jsonl failed with exit code 5" in result.stderr
    records = run_records(pipeline_project)
    assert [r.state for r in records] == ["FAIL", "FAIL", "FAIL"]
    assert len({r.run_id for r in records}) == 3


def test_a_usage_error_is_not_retried(invoke, pipeline_project: Path) -> None:
    result = invoke(
        "run",
        "--retries",
        "3",
        "--retry-delay",
        "0",
        "tap-counter",
        "target-jsonl",
        env={"TAP_COUNTER_RECORDS": "many"},
    )
    assert result.exit_code == ExitCode.FAILED
    assert "records" in result.stderr
    assert "retrying" not in result.stderr
    assert len(run_records(pipeline_project)) <= 1


def test_the_setting_and_the_job_set_retries(invoke, pipeline_project: Path) -> None:
    assert invoke("config", "set", "meltano", "run.retries", "1").exit_code == 0
    assert invoke("config", "set", "meltano", "run.retry_delay", "0").exit_code == 0
    result = invoke("run", "tap-counter", "target-jsonl", env=FAILS_ONCE)
    assert result.exit_code == 0, result.output
    assert ids(pipeline_project) == [1, 2, 3, 4, 5, 6]

    # a job's `retries` wins over the setting; --retries over both
    path = pipeline_project / "meltano.yml"
    path.write_text(
        path.read_text().replace("- name: everything\n", "- name: everything\n  retries: 0\n")
    )
    invoke("state", "clear", "--force", "dev:tap-counter-to-target-jsonl")
    (pipeline_project / "output" / "tap_counter.jsonl").unlink()
    assert invoke("run", "everything", env=FAILS_ONCE).exit_code == ExitCode.FAILED
    invoke("state", "clear", "--force", "dev:tap-counter-to-target-jsonl")
    (pipeline_project / "output" / "tap_counter.jsonl").unlink()
    result = invoke("run", "--retries", "1", "everything", env=FAILS_ONCE)
    assert result.exit_code == 0, result.output
    assert "attempts=2" in result.stderr
    assert ids(pipeline_project) == [1, 2, 3, 4, 5, 6]
