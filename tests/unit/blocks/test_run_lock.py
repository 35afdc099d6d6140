from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from meltano.core.blocks.run_lock import PipelineRunningError, lock_path, pipeline_lock
from meltano.core.errors import ExitCode

HOLD = """
import sys, time
from pathlib import Path
from meltano.core.blocks.run_lock import pipeline_lock
with pipeline_lock(Path(sys.argv[1]), "dev:a-to-b", "run-in-child"):
    print("held", flush=True)
    time.sleep(60)
"""


def test_second_holder_is_refused_in_process(tmp_path: Path) -> None:
    with (
        pipeline_lock(tmp_path, "dev:a-to-b", "r1"),
        pytest.raises(PipelineRunningError) as caught,
        pipeline_lock(tmp_path, "dev:a-to-b", "r2"),
    ):
        pass
    assert caught.value.exit_code == ExitCode.ALREADY_RUNNING
    assert "r1" in caught.value.reason
    with pipeline_lock(tmp_path, "dev:a-to-b", "r3") as held:
        assert held.previous_run_id is None  # r1 finished cleanly


def test_lock_of_a_killed_process_is_released(tmp_path: Path) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "held"
        with pytest.raises(PipelineRunningError), pipeline_lock(tmp_path, "dev:a-to-b", "mine"):
            pass
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
        deadline = time.monotonic() + 5
        with pipeline_lock(tmp_path, "dev:a-to-b", "mine") as held:
            assert time.monotonic() < deadline
            assert held.previous_run_id == "run-in-child"
    finally:
        child.kill()
        child.wait(timeout=10)


def test_lock_names_are_distinct_and_safe(tmp_path: Path) -> None:
    first, second = lock_path(tmp_path, "dev:a/b"), lock_path(tmp_path, "dev:a_b")
    assert first != second
    assert "/" not in first.name
