"""A fan-out run (`meltano run tap-counter target-jsonl target-b`) stopped by SIGTERM: it exits
143 at once, leaves no process behind, keeps the last state both targets confirmed, and the
rerun resumes with no gap in either target."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest

from meltano.core.errors import ExitCode
from meltano.core.processes import tee
from tests.faults.conftest import alive, finish, ids, meltano, start, wait_for

pytestmark = pytest.mark.skipif(not tee.is_available(), reason="tee(2) is Linux only")
FAN_OUT = ("run", "tap-counter", "target-jsonl", "target-b")
STATE_ID = "dev:tap-counter-to-target-jsonl+target-b"


@pytest.fixture
def fan_out_project(pipeline_project: Path) -> Path:
    path = pipeline_project / "meltano.yml"
    path.write_text(
        path.read_text().replace(
            "  mappers:",
            "  - name: target-b\n    inherit_from: target-jsonl\n    config:\n"
            "      path: $MELTANO_PROJECT_ROOT/output/b.jsonl\n  mappers:",
        )
    )
    return pipeline_project


def b_ids(project: Path) -> list[int]:
    lines = (project / "output" / "b.jsonl").read_text().splitlines()
    return [row["record"]["id"] for row in map(json.loads, lines) if row["type"] == "RECORD"]


def stored_id(project: Path) -> int:
    done = meltano(project, "state", "get", STATE_ID)
    return int(json.loads(done.stdout)["singer_state"]["bookmarks"]["counter"]["id"])


def test_sigterm_keeps_what_both_confirmed_and_the_rerun_has_no_gap(fan_out_project: Path) -> None:
    env = {"TAP_COUNTER_RECORDS": "100000", "TAP_COUNTER_RECORD_DELAY": "0.002"}
    process = start(fan_out_project, *FAN_OUT, env=env)
    began = time.monotonic()
    try:
        output = fan_out_project / "output" / "b.jsonl"
        assert wait_for(lambda: output.exists() and output.stat().st_size > 2_000, 30)
        time.sleep(1.5)  # a stored state or two
        os.kill(process.pid, signal.SIGTERM)
        sent = time.monotonic()
        done = finish(process, began)
        took = time.monotonic() - sent
    finally:
        if process.poll() is None:
            process.kill()
    assert done.code == ExitCode.TERMINATED, done.stderr
    assert took < 3.0
    assert wait_for(lambda: not alive(fan_out_project), 2.0)
    stored = stored_id(fan_out_project)
    assert stored >= 2
    assert stored <= min(max(ids(fan_out_project)), max(b_ids(fan_out_project)))

    total = stored + 5
    rerun = meltano(fan_out_project, *FAN_OUT, env={"TAP_COUNTER_RECORDS": str(total)})
    assert rerun.code == 0, rerun.stderr
    for got in (ids(fan_out_project), b_ids(fan_out_project)):
        assert sorted(set(got)) == list(range(1, total + 1))  # no gap in either target
        assert got[-(total - stored) :] == list(range(stored + 1, total + 1))
    assert stored_id(fan_out_project) == total
