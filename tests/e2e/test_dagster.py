"""dagster-meltano drives our CLI: it reads `job list`/`schedule list --format=json`, builds
Dagster jobs and schedules from them, and its ops run `meltano run <task> --force` with its
own logging.yaml (`MELTANO_CLI_LOG_CONFIG`, `%(message)s` plus our formatter factories).

dagster, dagster-shell and dagster-meltano come from the package index into a virtualenv
built once per machine (tests/services/packages.py); `meltano` is this checkout's, found on
PATH as dagster-meltano expects. On a fresh machine the venv costs about a minute to build
(mostly downloads); afterwards the test takes the job's own ~10-20 s.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import Invoke
from tests.e2e.conftest import STATE_ID, ids
from tests.services.packages import tool_venv

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]

DAGSTER = ["dagster==1.9.13", "dagster-shell==0.25.13", "dagster-meltano==1.5.5"]
DEFINITIONS = """
import json, sys
from dagster import Definitions, JobDefinition, ScheduleDefinition
from dagster_meltano import load_jobs_from_meltano_project

loaded = load_jobs_from_meltano_project(sys.argv[1])
jobs = [item for item in loaded if isinstance(item, JobDefinition)]
schedules = [item for item in loaded if isinstance(item, ScheduleDefinition)]
defs = Definitions(jobs=jobs, schedules=schedules)
outcome = {
    "jobs": sorted(j.name for j in jobs),
    "schedules": [[s.name, s.cron_schedule, s.job_name] for s in schedules],
}
for name in sys.argv[2:]:
    job = defs.get_job_def(name)
    result = job.execute_in_process(raise_on_error=False)
    upstream = job.graph.dependency_structure.all_upstream_outputs_from_node
    outcome[name] = {
        "ops": {node.name: sorted(o.node_name for o in upstream(node.name)) for node in job.nodes},
        "success": result.success,
        "logs": {
            node.name: result.output_for_node(node.name, "logs")
            for node in job.nodes
            if result.is_node_success(node.name)
        },
    }
print(json.dumps(outcome))
"""


@pytest.fixture(scope="module")
def dagster_python() -> Path:
    if sys.version_info >= (3, 13):
        pytest.skip("dagster-meltano 1.5.5 needs Python < 3.13")
    return tool_venv("dagster-meltano", DAGSTER) / "bin" / "python"


def test_dagster_meltano_loads_and_runs_a_job(
    dagster_python: Path, pipeline_project: Path, tmp_path: Path, invoke: Invoke
) -> None:
    path = pipeline_project / "meltano.yml"
    path.write_text(
        path.read_text()
        + "- name: broken\n  tasks:\n  - util:fail\n"
        + "schedules:\n- name: nightly\n  interval: '@daily'\n  job: everything\n"
    )
    script = tmp_path / "definitions.py"
    script.write_text(DEFINITIONS)
    env = {
        **os.environ,
        # dagster-meltano runs `meltano` from PATH: this checkout's
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
        "DAGSTER_HOME": str(tmp_path / "dagster"),
    }
    (tmp_path / "dagster").mkdir()
    result = subprocess.run(
        [str(dagster_python), str(script), str(pipeline_project), "everything", "broken"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-5000:]
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["jobs"] == ["broken", "everything"]
    assert outcome["schedules"] == [["nightly", "0 0 * * *", "everything"]]
    # one op per task, each after the one before it
    assert outcome["everything"]["ops"] == {
        "tap_counter_target_jsonl": [],
        "util_hello": ["tap_counter_target_jsonl"],
    }
    assert outcome["everything"]["success"] is True
    # a failing `meltano run` (exit code 1) fails its Dagster step, hence the job
    assert outcome["broken"] == {"ops": {"util_fail": []}, "success": False, "logs": {}}
    assert "Command 'run util:fail --force' failed with exit code 1" in result.stderr

    # rows moved, state stored, the job's second task ran after the first
    assert ids(pipeline_project) == [1, 2, 3, 4, 5, 6]
    state = json.loads(invoke("state", "get", STATE_ID).stdout)
    assert state == {"singer_state": {"bookmarks": {"counter": {"id": 6}}}}
    assert (pipeline_project / "output" / "util.txt").read_text() == "hello-from-util\n"

    # meltano logged through dagster-meltano's logging.yaml (`%(message)s` of the event dict)
    logs = outcome["everything"]["logs"]["tap_counter_target_jsonl"]
    assert "dagster_meltano/logging.yaml" in logs
    assert "'event': 'run completed'" in logs
    assert "hunter2-secret" not in logs
    assert "Traceback" not in result.stderr
