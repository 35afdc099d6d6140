"""Real pipelines of stdlib Singer scripts through `processes.pipes`: records, state, failures."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from meltano.core.processes.lines import decode_line
from meltano.core.processes.outcome import (
    OutputLineTooLongError,
    PipelineError,
    PipelineOutcome,
    PipelineTimeoutError,
)
from meltano.core.processes.pipes import PluginCommand, PluginStartError, run_pipeline

PLUGINS = Path(__file__).parent.parent / "plugins"
SCRIPTS = {
    "tap-counter": "tap_counter.py",
    "mapper-upper": "mapper_upper.py",
    "target-jsonl": "target_jsonl.py",
}

Plugin = Callable[..., PluginCommand]


@pytest.fixture
def plugin(tmp_path: Path) -> Plugin:
    """Make the command of one test plugin, its settings written to a config file in tmp_path."""

    def make(name: str, **config: object) -> PluginCommand:
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(config))
        return PluginCommand(
            name,
            [sys.executable, str(PLUGINS / SCRIPTS[name]), "--config", str(path)],
            cwd=tmp_path,
        )

    return make


class Collected:
    """What the handlers received."""

    def __init__(self) -> None:
        self.states: list[bytes] = []
        self.logs: list[tuple[int, bytes]] = []
        self.log_times: list[float] = []

    def state(self, line: bytes) -> None:
        self.states.append(line)

    def log(self, index: int, line: bytes) -> None:
        self.logs.append((index, line))
        self.log_times.append(time.monotonic())


def run(
    commands: list[PluginCommand], *, limit: float = 60, **options: object
) -> tuple[PipelineOutcome, Collected, float]:
    collected = Collected()
    started = time.monotonic()

    async def main() -> PipelineOutcome:
        options.setdefault("on_state", collected.state)
        return await asyncio.wait_for(
            run_pipeline(commands, on_log=collected.log, forward_signals=False, **options),  # type: ignore[arg-type]
            timeout=limit,
        )

    outcome = asyncio.run(main())
    return outcome, collected, time.monotonic() - started


def alive(marker: Path) -> list[int]:
    """PIDs of running (not zombie) processes whose command line mentions `marker`."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if str(marker).encode() in (entry / "cmdline").read_bytes():
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


def wait_until_gone(marker: Path, seconds: float) -> list[int]:
    deadline = time.monotonic() + seconds
    while (pids := alive(marker)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return pids


def rows(path: Path) -> list[dict]:
    return [json.loads(line)["record"] for line in path.read_bytes().splitlines()]


def test_three_process_pipeline_passes_every_record(plugin: Plugin, tmp_path: Path) -> None:
    output = tmp_path / "out.jsonl"
    outcome, _, _ = run(
        [
            plugin("tap-counter", records=5000, width=2),
            plugin("mapper-upper"),
            plugin("target-jsonl", path=str(output)),
        ]
    )
    assert outcome.ok, outcome.error
    assert outcome.exit_codes == (0, 0, 0)
    records = rows(output)
    assert [record["id"] for record in records] == list(range(1, 5001))
    assert {record["pad"] for record in records} == {"XX"}


def test_state_lines_reach_on_state_in_order(plugin: Plugin, tmp_path: Path) -> None:
    outcome, collected, _ = run(
        [
            plugin("tap-counter", records=1000, state_every=10),
            plugin("target-jsonl", path=str(tmp_path / "o")),
        ]
    )
    assert outcome.ok
    ids = [json.loads(line)["bookmarks"]["counter"]["id"] for line in collected.states]
    assert ids == list(range(10, 1001, 10))


def test_tap_crash_names_the_extractor_and_keeps_what_came_before(
    plugin: Plugin, tmp_path: Path
) -> None:
    output = tmp_path / "out.jsonl"
    outcome, collected, _ = run(
        [
            plugin("tap-counter", records=20, state_every=5, crash_at=7),
            plugin("target-jsonl", path=str(output)),
        ]
    )
    assert outcome.error is not None
    assert outcome.error.reason == "Extractor tap-counter failed with exit code 1"
    assert "RuntimeError: boom at record 7" in (outcome.error.instruction or "")
    assert collected.states == [b'{"bookmarks": {"counter": {"id": 5}}}']
    assert [record["id"] for record in rows(output)] == [1, 2, 3, 4, 5, 6]


def test_tap_exit_code_is_reported(plugin: Plugin, tmp_path: Path) -> None:
    outcome, _, _ = run(
        [
            plugin("tap-counter", exit_at=7, exit_code=3),
            plugin("target-jsonl", path=str(tmp_path / "o")),
        ]
    )
    assert outcome.error is not None
    assert outcome.error.reason == "Extractor tap-counter failed with exit code 3"
    assert "tap-counter: giving up at record 7" in (outcome.error.instruction or "")


def test_target_crash_stops_the_tap_at_once_and_leaves_no_process(
    plugin: Plugin, tmp_path: Path
) -> None:
    commands = [
        plugin("tap-counter", records=20, sleep_at=10, sleep=60),
        plugin("mapper-upper"),
        plugin("target-jsonl", path=str(tmp_path / "o"), exit_at=8, exit_code=5),
    ]
    outcome, collected, _ = run(commands)
    ended = time.monotonic()
    logs = zip(collected.log_times, collected.logs, strict=True)
    target_gave_up = next(
        at for at, (index, line) in logs if index == 2 and b"stopping at record 8" in line
    )
    assert ended - target_gave_up < 1.0  # the sleeping tap was stopped, not waited for
    assert outcome.error is not None
    assert outcome.error.reason == "Loader target-jsonl failed with exit code 5"
    assert "stopping at record 8" in (outcome.error.instruction or "")
    tap, mapper, _target = outcome.results
    assert tap.stopped and mapper.stopped
    time.sleep(0.1)
    assert wait_until_gone(tmp_path, 2) == []


def test_target_that_exits_zero_without_reading_fails_plainly(
    plugin: Plugin, tmp_path: Path
) -> None:
    outcome, _, elapsed = run(
        [plugin("tap-counter", records=100_000), plugin("target-jsonl", exit_early=True)]
    )
    assert elapsed < 5
    assert outcome.error is not None
    assert outcome.error.reason == (
        "Loader target-jsonl exited with code 0 before reading all of its input"
    )
    assert "BrokenPipe" not in (outcome.error.instruction or "")
    assert outcome.results[0].stopped


def test_tap_killed_by_sigkill_is_reported_as_signal_9(plugin: Plugin, tmp_path: Path) -> None:
    outcome, _, _ = run(
        [plugin("tap-counter", kill_at=4), plugin("target-jsonl", path=str(tmp_path / "o"))]
    )
    assert outcome.error is not None
    assert outcome.error.reason == "Extractor tap-counter was killed by signal 9 (SIGKILL)"
    assert outcome.exit_codes == (137, 0)


def test_mapper_failure_names_the_mapper(plugin: Plugin, tmp_path: Path) -> None:
    outcome, _, _ = run(
        [
            plugin("tap-counter", records=50),
            plugin("mapper-upper", exit_at=3),
            plugin("target-jsonl", path=str(tmp_path / "o")),
        ]
    )
    assert outcome.error is not None
    assert outcome.error.reason == "Mapper mapper-upper failed with exit code 7"


def test_non_json_from_the_tap_fails_naming_the_target_that_rejected_it(
    plugin: Plugin, tmp_path: Path
) -> None:
    outcome, _, _ = run(
        [plugin("tap-counter", non_json_at=3), plugin("target-jsonl", path=str(tmp_path / "o"))]
    )
    assert outcome.error is not None
    assert outcome.error.reason.startswith("Loader target-jsonl failed with exit code 1")
    assert "is not JSON" in (outcome.error.instruction or "")


def test_timeout_stops_every_process(plugin: Plugin, tmp_path: Path) -> None:
    outcome, _, elapsed = run(
        [
            plugin("tap-counter", sleep_at=0, sleep=60),
            plugin("target-jsonl", path=str(tmp_path / "o")),
        ],
        timeout=0.5,
    )
    assert isinstance(outcome.error, PipelineTimeoutError)
    assert elapsed < 3
    assert wait_until_gone(tmp_path, 2) == []


def test_child_ignoring_sigterm_is_killed_after_the_grace_period(
    plugin: Plugin, tmp_path: Path
) -> None:
    ready = tmp_path / "tap.ready"
    commands = [
        plugin(
            "tap-counter",
            records=3,
            sleep_at=0,
            sleep=60,
            ignore_sigterm=True,
            ready_file=str(ready),
        ),
        plugin("target-jsonl", path=str(tmp_path / "o")),
    ]
    outcome, _, elapsed = run(commands, timeout=2.0, grace_period=1.0)
    assert ready.exists()
    assert isinstance(outcome.error, PipelineTimeoutError)
    assert 2.9 < elapsed < 6
    tap, target = outcome.results
    assert tap.killed_after_grace
    assert tap.returncode == -9
    assert target.returncode == -15
    assert outcome.error.instruction == (
        "These plugins ignored the request to stop and were killed: tap-counter"
    )


def test_overlong_line_on_target_stdout_fails_fast(plugin: Plugin, tmp_path: Path) -> None:
    outcome, _, elapsed = run(
        [
            plugin("tap-counter", sleep_at=5, sleep=60),
            plugin("target-jsonl", path=str(tmp_path / "o"), huge_stdout=3_000_000),
        ],
        line_limit=1_000_000,
    )
    assert isinstance(outcome.error, OutputLineTooLongError)
    assert elapsed < 3
    assert "loader target-jsonl" in outcome.error.reason
    assert "1000000 bytes" in outcome.error.reason
    assert "elt.buffer_size" in (outcome.error.instruction or "")


def test_huge_record_line_passes_on_the_os_pipe(plugin: Plugin, tmp_path: Path) -> None:
    output = tmp_path / "out.jsonl"
    outcome, _, _ = run(
        [
            plugin("tap-counter", records=2, huge_line=5_000_000),
            plugin("target-jsonl", path=str(output)),
        ],
        line_limit=1000,
    )
    assert outcome.ok, outcome.error
    lengths = [len(line) for line in output.read_bytes().splitlines()]
    assert lengths == [5_000_000 - 1, 54, 54]


def test_60_mb_stderr_line_is_truncated_and_the_run_goes_on(plugin: Plugin, tmp_path: Path) -> None:
    outcome, collected, _ = run(
        [
            plugin("tap-counter", stderr_line_bytes=60_000_000),
            plugin("target-jsonl", path=str(tmp_path / "o")),
        ]
    )
    assert outcome.ok, outcome.error
    ((index, line),) = collected.logs
    assert index == 0
    assert len(line) < 1_100_000
    assert line.endswith(b"[... line truncated, 60000000 bytes in total]")


def test_invalid_utf8_passes_unchanged_and_logs_do_not_raise(
    plugin: Plugin, tmp_path: Path
) -> None:
    output = tmp_path / "out.jsonl"
    outcome, collected, _ = run(
        [
            plugin("tap-counter", records=1, invalid_utf8=True),
            plugin("target-jsonl", path=str(output), raw=True, invalid_utf8=True),
        ]
    )
    assert outcome.ok, outcome.error
    assert b'"raw":"\xff\xfe"' in output.read_bytes()
    logged = {index: decode_line(line) for index, line in collected.logs}
    assert logged[0] == "bad bytes \ufffd\ufffd\ufffd( here"
    assert logged[1] == "target says \ufffd\ufffd\ufffd( here"


def test_missing_executable_is_a_clear_error_and_starts_nothing(
    plugin: Plugin, tmp_path: Path
) -> None:
    missing = PluginCommand("target-nowhere", [str(tmp_path / "no-such-target")])
    with pytest.raises(PluginStartError, match="Could not start target-nowhere"):
        run([plugin("tap-counter", sleep_at=0, sleep=60), missing])
    assert wait_until_gone(tmp_path, 2) == []


def test_handler_error_stops_the_pipeline_and_is_raised(plugin: Plugin, tmp_path: Path) -> None:
    class BackendDownError(PipelineError):
        pass

    async def main() -> PipelineOutcome:
        def on_state(line: bytes) -> None:
            raise BackendDownError("state backend unwritable", None, ())

        return await asyncio.wait_for(
            run_pipeline(
                [
                    plugin("tap-counter", records=10, state_every=1, sleep_at=5, sleep=60),
                    plugin("target-jsonl", path=str(tmp_path / "o")),
                ],
                on_state=on_state,
                on_log=lambda index, line: None,
                forward_signals=False,
            ),
            10,
        )

    started = time.monotonic()
    with pytest.raises(BackendDownError):
        asyncio.run(main())
    assert time.monotonic() - started < 5
    assert wait_until_gone(tmp_path, 2) == []


def test_async_handlers_are_awaited(plugin: Plugin, tmp_path: Path) -> None:
    seen: list[bytes] = []

    async def on_state(line: bytes) -> None:
        await asyncio.sleep(0)
        seen.append(line)

    async def main() -> PipelineOutcome:
        return await asyncio.wait_for(
            run_pipeline(
                [
                    plugin("tap-counter", records=4, state_every=2),
                    plugin("target-jsonl", path=str(tmp_path / "o")),
                ],
                on_state=on_state,
                on_log=lambda index, line: None,
                forward_signals=False,
            ),
            30,
        )

    assert asyncio.run(main()).ok
    assert len(seen) == 2


@pytest.mark.slow
def test_a_million_small_records_complete(plugin: Plugin, tmp_path: Path) -> None:
    output = tmp_path / "out.jsonl"
    outcome, collected, _ = run(
        [
            plugin("tap-counter", records=1_000_000, state_every=100_000),
            plugin("target-jsonl", path=str(output)),
        ],
        limit=120,
    )
    assert outcome.ok, outcome.error
    assert len(collected.states) == 10
    with output.open("rb") as file:
        assert sum(1 for _ in file) == 1_000_000


def test_stderr_flood_arrives_line_by_line(plugin: Plugin, tmp_path: Path) -> None:
    outcome, collected, _ = run(
        [
            plugin("tap-counter", records=1000, stderr_lines=200_000),
            plugin("target-jsonl", path=str(tmp_path / "o")),
        ]
    )
    assert outcome.ok, outcome.error
    assert len(collected.logs) == 200_000
    assert {line for _, line in collected.logs} == {
        b"INFO tap-counter wrote record %d of the counter stream, all is well" % record
        for record in range(1, 1001)
    }


def test_command_block_stdout_is_logged_not_parsed(tmp_path: Path) -> None:
    script = "print('x' * 5000); print('done'); raise SystemExit(2)"
    command = PluginCommand("dbt", [sys.executable, "-c", script], plugin_type="utility")

    async def main() -> tuple[PipelineOutcome, list[tuple[int, bytes]]]:
        logs: list[tuple[int, bytes]] = []
        outcome = await asyncio.wait_for(
            run_pipeline(
                [command],
                on_state=None,
                on_log=lambda index, line: logs.append((index, line)),
                log_line_limit=100,
                forward_signals=False,
            ),
            30,
        )
        return outcome, logs

    outcome, logs = asyncio.run(main())
    marker = b" [... line truncated, 5000 bytes in total]"
    assert logs == [(0, b"x" * (100 - len(marker)) + marker), (0, b"done")]  # 100 bytes in all
    assert outcome.error is not None
    assert outcome.error.reason == "Utility dbt failed with exit code 2"
    assert "    done" in (outcome.error.instruction or "")


def test_grandchild_left_behind_is_killed_and_does_not_hold_the_run(tmp_path: Path) -> None:
    leak = (
        f"import subprocess, sys; subprocess.Popen([sys.executable, '-c', "
        f"'import time; time.sleep(60)', {str(tmp_path)!r}])"
    )
    command = PluginCommand("leaky", [sys.executable, "-c", leak], plugin_type="utility")
    outcome, _, elapsed = run([command], on_state=None)
    assert outcome.ok, outcome.error
    assert elapsed < 1.9  # below the 2 s we would wait for its pipes to close
    assert wait_until_gone(tmp_path, 0.5) == []  # killed with the run, not after
