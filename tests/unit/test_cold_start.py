"""`meltano --help` and `--version` must not pay for heavy imports."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = (
    "sqlalchemy",
    "alembic",
    "rich",
    "requests",
    "boto3",
    "jsonschema",
    "ruamel",
    "structlog",
    "dotenv",
    "google",
    "azure",
    "botocore",
    "urllib3",
    "yaml",
)

PROBE = """
import json, sys
from meltano.cli.main import main
try:
    main({args})
except SystemExit:
    pass
print(json.dumps(sorted(m.split('.')[0] for m in sys.modules)), file=sys.stderr)
"""


@pytest.mark.parametrize("args", [["--help"], ["--version"], []])
def test_no_heavy_module_is_imported(args: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(args=args)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    loaded = set(json.loads(result.stderr.strip().splitlines()[-1]))
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))
