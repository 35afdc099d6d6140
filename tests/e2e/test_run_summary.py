"""Progress and the end-of-run summary with real Singer SDK plugins from the package index.

`tap-jsonl` (SDK) reads two files as two extractors (one inherits from the other); it feeds
`target-csv` (SDK: it counts what it loads) and `target-jsonl` (not SDK: no counts). The
project is installed once for the module; every test runs `python -m meltano` as a user does.
"""

from __future__ import annotations

import json
import os
import pty
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import jsonschema
import pytest

from meltano.core.project.init import init_project

pytestmark = pytest.mark.slow
SCHEMA = json.loads(
    (Path(__file__).resolve().parents[2] / "docs" / "run-summary.schema.json").read_text()
)
MELTANO_YML = """
plugins:
  extractors:
  - name: tap-jsonl
    namespace: tap_jsonl
    pip_url: tap-jsonl==0.3.1
    capabilities: [catalog, discover, state]
    config:
      path: data/users.jsonl
      stream_name: users
  - name: tap-orders
    inherit_from: tap-jsonl
    executable: tap-jsonl
    config:
      path: data/orders.jsonl
      stream_name: orders
  loaders:
  - name: target-csv
    namespace: target_csv
    pip_url: meltanolabs-target-csv==0.5.0
    config:
      output_path: output-csv
  - name: target-jsonl
    namespace: target_jsonl
    pip_url: target-jsonl==0.1.4
    config:
      destination_path: output-jsonl
"""
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("summary") / "project"
    init_project(root, usage_stats=False, force=False, environ=dict(os.environ))
    (root / "meltano.yml").write_text((root / "meltano.yml").read_text() + MELTANO_YML)
    (root / "data").mkdir()
    for name, count in (("users", 1500), ("orders", 700)):
        lines = (json.dumps({"id": i, "name": f"{name}-{i}"}) for i in range(count))
        (root / "data" / f"{name}.jsonl").write_text("\n".join(lines) + "\n")
    result = meltano(root, "install", timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    return root


def meltano(
    project: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "meltano", *args],
        cwd=project,
        env={**os.environ, "NO_COLOR": "1", **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def counts(step: dict) -> dict[str, tuple[int | None, int | None]]:
    return {s["stream"]: (s["extracted"], s["loaded"]) for s in step["streams"]}


def test_json_summary_has_per_stream_counts_and_follows_the_schema(project: Path) -> None:
    result = meltano(
        project, "run", "--summary", "json", "tap-jsonl", "target-csv", "tap-orders", "target-jsonl"
    )
    assert result.returncode == 0, result.stderr[-3000:]
    document = json.loads(result.stdout)  # stdout is the one JSON document, nothing else
    jsonschema.validate(document, SCHEMA)
    assert document["status"] == "success"
    first, second = document["steps"]
    assert (first["name"], first["status"]) == ("tap-jsonl target-csv", "success")
    assert counts(first) == {"users": (1500, 1500)}
    assert counts(second) == {"orders": (700, None)}  # target-jsonl logs no metrics
    assert [(p["name"], p["exit_code"]) for p in second["plugins"]] == [
        ("tap-orders", 0),
        ("target-jsonl", 0),
    ]
    assert first["state"]["state_id"] == "dev:tap-jsonl-to-target-csv"
    assert first["state"]["saved"] is True
    assert first["state"]["messages"] >= 1
    assert "Run summary" not in result.stderr  # asked for JSON: no text summary as well

    # the same step, stored in its run record
    shown = meltano(project, "logs", "show", first["run_id"])
    assert shown.returncode == 0, shown.stderr
    summary = shown.stdout.split("\nSummary:\n", 1)[1]
    assert summary.startswith("✓ tap-jsonl → target-csv: success in ")
    assert re.search(r"\n    users +1,500 +1,500\n", summary)
    assert "state: saved for dev:tap-jsonl-to-target-csv" in summary
    listed = json.loads(meltano(project, "logs", "list", "--format", "json").stdout)
    stored = {run["log_id"]: run["summary"] for run in listed["runs"]}
    assert stored[first["run_id"]] == first
    assert stored[second["run_id"]] == second


def test_off_a_terminal_progress_comes_as_log_lines(project: Path) -> None:
    result = meltano(
        project,
        "--log-format",
        "json",
        "run",
        "--full-refresh",
        "--progress-interval",
        "0.5",
        "tap-jsonl",
        "target-csv",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    events = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    progress = [e for e in events if e["event"] == "progress"]
    assert progress, result.stderr[-3000:]
    assert {e["plugin"] for e in progress} == {"tap-jsonl", "target-csv"}
    assert all(e["step"] == "tap-jsonl target-csv" and "elapsed_seconds" in e for e in progress)
    assert all("state_messages" in e for e in progress if e["plugin"] == "target-csv")
    assert "\x1b[" not in result.stderr  # no redraws off a terminal
    (summary,) = [e["summary"] for e in events if e["event"] == "run summary"]
    jsonschema.validate(summary, SCHEMA)  # JSON logs get the summary as one event
    assert counts(summary["steps"][0]) == {"users": (1500, 1500)}

    quiet = meltano(
        project, "run", "--full-refresh", "--progress-interval", "0", "tap-jsonl", "target-csv"
    )
    assert quiet.returncode == 0
    assert " progress step=" not in quiet.stderr
    assert "Run summary: success" in quiet.stderr


def test_a_failed_run_summary_names_the_plugin_and_its_last_lines(project: Path) -> None:
    result = meltano(
        project,
        "run",
        "--full-refresh",
        "tap-jsonl",
        "target-csv",
        "tap-orders",
        "target-jsonl",
        env={"TARGET_CSV_OUTPUT_PATH": "/proc/no-such-directory"},  # the loader cannot write
    )
    assert result.returncode == 1
    text = result.stderr.split("Run summary: failed in ", 1)[1]
    assert "✗ tap-jsonl → target-csv: failed in " in text
    assert "error: Loader target-csv failed with exit code 1" in text
    assert "last lines target-csv wrote on stderr:" in text
    assert "/proc/no-such-directory" in text
    assert "- tap-orders → target-jsonl: skipped (an earlier step failed)" in text
    listed = json.loads(meltano(project, "logs", "list", "--format", "json").stdout)
    failed = listed["runs"][0]["summary"]
    assert failed["status"] == "failed"
    assert failed["error"] == "Loader target-csv failed with exit code 1"
    (target,) = [p for p in failed["plugins"] if p["name"] == "target-csv"]
    assert target["failed"] and target["exit_code"] == 1 and target["stderr_tail"]
    assert failed["state"]["saved"] is False


def run_in_pty(project: Path, *args: str, timeout: float = 300) -> tuple[int, str]:
    """Run meltano on a pseudo-terminal of 120x40; return its exit code and all it wrote."""
    master, slave = pty.openpty()
    import fcntl
    import struct
    import termios

    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "120", "LINES": "40"}
    env.pop("NO_COLOR", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "meltano", *args],
        cwd=project,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
    )
    os.close(slave)
    output = bytearray()
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.5)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # the other end closed: the process is gone
                    break
                if not chunk:
                    break
                output += chunk
            elif process.poll() is not None:
                break
        else:
            process.kill()
        code = process.wait(timeout=30)
    finally:
        os.close(master)
    return code, output.decode("utf-8", errors="replace")


def test_on_a_terminal_a_live_view_shows_streams_and_counts(project: Path) -> None:
    code, output = run_in_pty(
        project, "run", "--full-refresh", "tap-jsonl", "target-csv", "tap-orders", "target-jsonl"
    )
    plain = ANSI.sub("", output).replace("\r", "")
    assert code == 0, plain[-3000:]
    assert "\x1b[1A\x1b[2K" in output  # the view redraws itself in place
    assert re.search(r"plugin +stream +records +records/s +elapsed +state msgs", plain)
    assert re.search(r"\ntap-jsonl +users +1,500 ", plain)
    assert re.search(r"\ntarget-csv +users +1,500 ", plain)
    assert re.search(r"\ntarget-jsonl +no metrics ", plain)
    assert "▶ tap-orders → target-jsonl" in plain  # the running step
    assert "✓ tap-jsonl → target-csv" in plain  # a finished one
    # log lines keep scrolling above the view, whole: the SDK's warning is there unwrapped
    assert re.search(
        r"\[info +\] tap-jsonl +Stream is assumed to be unsorted, progress is not resumable if interrupted\n",
        plain,
    )
    assert "Run summary: success in " in plain
