"""F4, F11, F18: huge lines, floods of plugin logging, and bytes that are not UTF-8."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from meltano.core.errors import ExitCode
from tests.faults.conftest import PROCESS_TIMEOUT, Finished, bookmark, meltano, run_records, start

MIB = 1_048_576
PLAIN = ("run", "tap-counter", "target-jsonl")


def peak_memory_run(project: Path, *args: str, env: dict[str, str]) -> tuple[Finished, int]:
    """Run meltano, sampling its /proc status; return the result and its peak RSS (VmHWM) bytes."""
    began = time.monotonic()
    process = start(project, *args, env=env, log_level="warning")
    status = Path(f"/proc/{process.pid}/status")
    peak = 0
    try:
        while process.poll() is None and time.monotonic() - began < PROCESS_TIMEOUT:
            try:
                for line in status.read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        peak = max(peak, int(line.split()[1]) * 1024)
            except (OSError, ValueError):
                pass
            time.sleep(0.01)
        out, err = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=10)
    return Finished(process.returncode, out, err, time.monotonic() - began), peak


@pytest.mark.slow
def test_f4_200_mb_record_line_passes_on_the_os_pipe(pipeline_project: Path) -> None:
    env = {"TAP_COUNTER_HUGE_LINE": str(200 * MIB), "TARGET_JSONL_RAW": "true"}
    done, peak = peak_memory_run(pipeline_project, *PLAIN, env=env)
    print(f"F4 200 MB line: {done.seconds:.2f} s, meltano peak RSS {peak / MIB:.0f} MiB")
    assert done.code == 0, done.stderr
    output = pipeline_project / "output" / "tap_counter.jsonl"
    with output.open("rb") as file:
        assert any(len(line) == 200 * MIB for line in file)
    output.unlink()
    assert peak < 150 * MIB  # the line never passes through meltano


@pytest.mark.slow
@pytest.mark.parametrize(
    ("size", "passes"), [(49 * MIB, True), (51 * MIB, False)], ids=["49MB", "51MB"]
)
def test_f4_target_stdout_line_around_the_limit(
    pipeline_project: Path, size: int, passes: bool
) -> None:
    env = {"TARGET_JSONL_HUGE_STDOUT": str(size), "TAP_COUNTER_STATE_EVERY": "1"}
    done, peak = peak_memory_run(pipeline_project, *PLAIN, env=env)
    print(
        f"F4 {size // MIB} MiB on target stdout: exit {done.code} in {done.seconds:.2f} s, "
        f"meltano peak RSS {peak / MIB:.0f} MiB"
    )
    assert peak < 100 * MIB + 3 * size
    if passes:
        assert done.code == 0, done.stderr
        assert bookmark(pipeline_project) == 6
        return
    assert done.code == ExitCode.FAILED
    assert "target-jsonl wrote a line of at least" in done.stderr
    assert "more than the limit of 52428800 bytes" in done.stderr
    assert "elt.buffer_size" in done.stderr
    assert done.seconds < 10


def test_f4_smaller_buffer_size_moves_the_limit(pipeline_project: Path) -> None:
    env = {"TARGET_JSONL_HUGE_STDOUT": str(3 * MIB), "MELTANO_ELT_BUFFER_SIZE": str(4 * MIB)}
    done = meltano(pipeline_project, *PLAIN, env=env)
    assert done.code == ExitCode.FAILED
    assert "limit of 2097152 bytes" in done.stderr
    assert "MELTANO_ELT_BUFFER_SIZE" in done.stderr


def run_into(project: Path, env: dict[str, str], stderr: Path) -> None:
    """Run the pipeline with our stderr into a file (not decoded by us)."""
    with stderr.open("wb") as sink:
        done = subprocess.run(
            [sys.executable, "-m", "meltano", "run", "--full-refresh", *PLAIN[1:]],
            cwd=project,
            stdout=subprocess.DEVNULL,
            stderr=sink,
            env={**os.environ, **env},
            timeout=PROCESS_TIMEOUT,
            check=False,
        )
    assert done.returncode == 0, stderr.read_text()[-2000:]


@pytest.mark.slow
def test_f11_a_stderr_flood_loses_no_line(pipeline_project: Path, tmp_path: Path) -> None:
    """Every one of 500k stderr lines (50 MB) reaches the console and the run log.

    What the flood costs in time (F11: at most twice the quiet run) is measured by the
    benchmark (`bench/`), not here: timings in tests only measure the machine's load.
    """
    flood = {
        "TAP_COUNTER_RECORDS": "5000",
        "TAP_COUNTER_STATE_EVERY": "100",
        "TAP_COUNTER_STDERR_LINES": "500000",
        "TAP_COUNTER_STDERR_WIDTH": "100",
    }
    console = tmp_path / "stderr.txt"
    run_into(pipeline_project, flood, console)
    assert console.stat().st_size > 50_000_000
    with console.open("rb") as file:
        assert sum(1 for line in file if b"all is well" in line) == 500_000
    record = run_records(pipeline_project)[0]
    log_file = next((pipeline_project / ".meltano" / "logs" / "elt").glob(f"*/{record.run_id}/*"))
    assert log_file.read_text().count("all is well") == 500_000  # nothing lost from the run log


@pytest.mark.slow
def test_f11_one_60_mb_stderr_line_is_truncated(pipeline_project: Path) -> None:
    done = meltano(pipeline_project, *PLAIN, env={"TAP_COUNTER_STDERR_LINE_BYTES": str(60 * MIB)})
    assert done.code == 0, done.stderr[-2000:]
    marker = f"[... line truncated, {60 * MIB} bytes in total]"
    assert marker in done.stderr
    assert len(done.stderr) < 2 * MIB
    # What is kept of the plugin's line, marker included, is 1 MiB at most, console and log alike.
    [kept] = [line for line in done.stderr.splitlines() if marker in line]
    assert len(kept[kept.index("LLLL") :].encode()) <= MIB
    record = run_records(pipeline_project)[0]
    log_file = next((pipeline_project / ".meltano" / "logs" / "elt").glob(f"*/{record.run_id}/*"))
    [logged] = [line for line in log_file.read_text().splitlines() if marker in line]
    assert len(logged[logged.index("LLLL") :].encode()) <= MIB


@pytest.mark.slow
def test_f33_200_mib_line_on_target_stdout_fails_fast(pipeline_project: Path) -> None:
    env = {"TARGET_JSONL_HUGE_STDOUT": str(200 * MIB), "TAP_COUNTER_STATE_EVERY": "1"}
    done, peak = peak_memory_run(pipeline_project, *PLAIN, env=env)
    print(
        f"F33 200 MiB line on target stdout: exit {done.code} in {done.seconds:.2f} s, "
        f"meltano peak RSS {peak / MIB:.0f} MiB"
    )
    assert done.code == ExitCode.FAILED
    assert "target-jsonl wrote a line of at least" in done.stderr
    assert done.seconds < 5


def test_f18_invalid_utf8_on_stderr_and_stdout(pipeline_project: Path) -> None:
    env = {
        "TAP_COUNTER_INVALID_UTF8": "true",
        "TARGET_JSONL_INVALID_UTF8": "true",
        "TARGET_JSONL_RAW": "true",
    }
    done = meltano(pipeline_project, *PLAIN, env=env, log_level="debug")
    assert done.code == 0, done.stderr
    assert "bad bytes \ufffd\ufffd\ufffd( here" in done.stderr
    assert "target says \ufffd\ufffd\ufffd( here" in done.stderr
    assert "Traceback" not in done.stderr
    written = (pipeline_project / "output" / "tap_counter.jsonl").read_bytes()
    assert b'"raw":"\xff\xfe"' in written  # the record's bytes reached the target unchanged


def test_f11_batched_plugin_lines_match_line_by_line() -> None:
    import io
    import logging

    from meltano.core.logging import plain_formatter
    from meltano.core.processes.plugin_logs import PluginLogs

    lines = [b"one", b"", b"bad \xff\xfe bytes", b"caf\xc3\xa9", b"last"]
    outputs = []
    for batched in (False, True):
        stream = io.StringIO()
        handler = logging.StreamHandler(stream)
        handler.setFormatter(plain_formatter())
        logger = logging.getLogger("tap-batch-check")
        logger.addHandler(handler)
        logger.propagate, logger.level = False, logging.INFO
        try:
            logs = PluginLogs(["tap-batch-check"])
            if batched:
                logs.many(0, lines)
            else:
                for line in lines:
                    logs(0, line)
        finally:
            logger.removeHandler(handler)
        outputs.append(stream.getvalue())
    assert outputs[0] == outputs[1] == "one\n\nbad \ufffd\ufffd bytes\ncafé\nlast\n"


def test_f11_batches_still_reach_other_handlers_record_by_record() -> None:
    import logging

    from meltano.core.processes.plugin_logs import PluginLogs

    class Collect(logging.Handler):  # stands for a user's logging.yaml handler
        def __init__(self) -> None:
            super().__init__()
            self.messages: list[str] = []

        def emit(self, record: logging.LogRecord) -> None:
            self.messages.append(record.getMessage())

    handler = Collect()
    logger = logging.getLogger("tap-batch-other")
    logger.addHandler(handler)
    logger.propagate, logger.level = False, logging.INFO
    try:
        PluginLogs(["tap-batch-other"]).many(0, [b"first", b"second \xff"])
    finally:
        logger.removeHandler(handler)
    assert handler.messages == ["first", "second \ufffd"]
