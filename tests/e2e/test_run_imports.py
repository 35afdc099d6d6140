"""`meltano run` on the default SQLite system DB loads neither SQLAlchemy nor a YAML parser.

Their imports cost more CPU and memory than the rest of a run's start-up together, and a
pipeline needs neither: the system DB goes through the standard library's sqlite3, and an
unchanged `meltano.yml` comes from the parsed cache.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.e2e.conftest import ids

PROBE = """
import json, sys
from meltano.cli.main import main
try:
    main(["run", "tap-counter", "target-jsonl"])
except SystemExit as exit:
    code = exit.code
print(json.dumps({"code": code, "modules": sorted({m.split(".")[0] for m in sys.modules})}),
      file=sys.stderr)
"""
NOT_ON_THE_RUN_PATH = ("sqlalchemy", "alembic", "ruamel", "jsonschema", "rich", "boto3")


def run_probe(project: Path) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return json.loads(result.stderr.strip().splitlines()[-1])


def test_a_run_loads_no_sqlalchemy_and_no_yaml_parser(pipeline_project: Path) -> None:
    first = run_probe(pipeline_project)  # reads meltano.yml for the first time: parses it
    assert first["code"] == 0
    assert "sqlalchemy" not in first["modules"]
    second = run_probe(pipeline_project)
    assert second["code"] == 0
    assert not set(NOT_ON_THE_RUN_PATH) & set(second["modules"])
    assert ids(pipeline_project) == [1, 2, 3, 4, 5, 6]  # the second run resumed: nothing new
