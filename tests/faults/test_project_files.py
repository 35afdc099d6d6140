"""F9, F20, F22, F24: a broken or hostile meltano.yml, a broken .env, writes that cannot finish."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

from meltano.core.errors import ExitCode
from tests.faults.conftest import PROCESS_TIMEOUT, Finished, finish, meltano, start

BROKEN = {
    "tab": (lambda text: text, "tab character", None),  # written whole by the test
    "wrong_plugin_type": (
        lambda text: text.replace("  loaders:", "  loaderz:"),
        "loaderz",
        "Did you mean 'loaders'",
    ),
    "unknown_key": (
        lambda text: text.replace(
            "    namespace: tap_counter", "    namespace: tap_counter\n    pip_ulr: x"
        ),
        "pip_ulr",
        "Did you mean 'pip_url'",
    ),
    "wrong_type": (
        lambda text: text.replace("capabilities: [state, catalog, discover]", "capabilities: 5"),
        "expected array",
        None,
    ),
    "duplicate_name": (
        lambda text: text.replace(
            "  loaders:", "  - name: tap-counter\n    namespace: tap_counter\n  loaders:"
        ),
        "duplicate plugin name 'tap-counter'",
        None,
    ),
    "empty": (lambda text: "", "is empty", None),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_f9_broken_meltano_yml(pipeline_project: Path, case: str) -> None:
    path = pipeline_project / "meltano.yml"
    if case == "tab":
        path.write_text("version: 1\nplugins:\n  extractors:\n\t- name: x\n")
    else:
        path.write_text(BROKEN[case][0](path.read_text()))
    _, reason, suggestion = BROKEN[case]
    done = meltano(pipeline_project, "run", "tap-counter", "target-jsonl", log_level="warning")
    assert done.code == ExitCode.FAILED
    error_lines = [line for line in done.stderr.splitlines() if line.startswith("Error:")]
    assert len(error_lines) == 1, done.stderr
    assert reason in error_lines[0]
    if case != "empty":  # an empty file has no position to point at
        assert f"{path}:" in error_lines[0]
        position = error_lines[0].split(f"{path}:")[1].split(":")[:2]
        assert all(part.isdigit() for part in position), error_lines[0]
    if suggestion:
        assert suggestion in done.stderr
    assert "Traceback" not in done.stderr


def test_f20_unparsable_env_lines_warn_by_number_only(pipeline_project: Path) -> None:
    (pipeline_project / ".env").write_text(
        "TAP_COUNTER_RECORDS=4\n"
        "this line has no equals sign secret-content-1\n"
        "TARGET_JSONL_EXIT_CODE=9\n"
        "=secret-content-2\n"
        "TAP_COUNTER_STATE_EVERY=1\n"
    )
    done = meltano(pipeline_project, "config", "print", "tap-counter", log_level="debug")
    assert done.code == 0, done.stderr
    assert "secret-content" not in done.stderr + done.stdout
    warnings = [line for line in done.stderr.splitlines() if "could not parse" in line]
    assert [w.split("line ")[-1] for w in warnings] == ["2", "4"]
    assert '"records": 4' in done.stdout and '"state_every": 1' in done.stdout
    run = meltano(pipeline_project, "run", "tap-counter", "target-jsonl")
    assert run.code == 0
    assert "secret-content" not in run.stderr


def test_f22_meltano_yml_write_on_a_full_disk_keeps_the_old_file(pipeline_project: Path) -> None:
    path = pipeline_project / "meltano.yml"
    before = path.read_bytes()

    def full_disk() -> None:  # no file may grow past this: writes fail with EFBIG, as on ENOSPC
        resource.setrlimit(resource.RLIMIT_FSIZE, (len(before) + 100, len(before) + 100))

    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "meltano",
            "--log-level",
            "warning",
            "config",
            "set",
            "tap-counter",
            "note",
            "n" * 5000,
        ],
        cwd=pipeline_project,
        capture_output=True,
        text=True,
        preexec_fn=full_disk,
        env={**os.environ, "MELTANO_DATABASE_URI": "sqlite:///:memory:"},
        timeout=PROCESS_TIMEOUT,
        check=False,
    )
    assert done.returncode != 0
    assert "File too large" in done.stderr
    assert "Traceback" not in done.stderr
    assert path.read_bytes() == before
    assert list(pipeline_project.glob(".meltano.yml*")) == []  # no temporary file left
    again = meltano(pipeline_project, "config", "set", "tap-counter", "note", "short")
    assert again.code == 0, again.stderr
    assert "note: short" in path.read_text()


@pytest.mark.slow
def test_f22_meltano_yml_write_killed_midway_keeps_a_whole_file(pipeline_project: Path) -> None:
    from ruamel.yaml import YAML

    path = pipeline_project / "meltano.yml"
    before = path.read_bytes()
    value = "v" * 120_000  # one argument may hold at most 128 KiB
    args = ("config", "set", "tap-counter", "note", value)
    whole = meltano(pipeline_project, *args, log_level="warning")
    assert whole.code == 0
    path.write_bytes(before)
    outcomes = {"old": 0, "new": 0}
    rounds = 12
    for round_number in range(rounds):  # kills spread over the whole command, write included
        began = time.monotonic()
        process = start(pipeline_project, *args, log_level="warning")
        time.sleep(whole.seconds * (0.3 + 0.7 * round_number / rounds))
        process.kill()
        finish(process, began)
        text = path.read_bytes()
        if text == before:
            outcomes["old"] += 1
            continue
        note = YAML(typ="safe").load(text)["plugins"]["extractors"][0]["config"]["note"]
        assert note == value, f"round {round_number}: a partial meltano.yml"
        outcomes["new"] += 1
        path.write_bytes(before)
    print(
        f"F22 kill -9 during `config set` x{rounds}: meltano.yml whole every time "
        f"({outcomes['old']} old, {outcomes['new']} new)"
    )


def limited_meltano(project: Path, *args: str, memory: int) -> Finished:
    """`meltano ARGS` with at most `memory` bytes of address space (a runaway fails, not the host)."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    began = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "meltano", "--log-level", "warning", *args],
        cwd=project,
        capture_output=True,
        text=True,
        preexec_fn=limit,
        timeout=PROCESS_TIMEOUT,
        check=False,
    )
    return Finished(done.returncode, done.stdout, done.stderr, time.monotonic() - began)


def alias_bomb(levels: int = 9) -> str:
    lines = ["  x0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"  x{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]" for n in range(1, levels + 1)]
    return "unused:\n" + "\n".join(lines) + "\n"


@pytest.mark.parametrize("where", ["meltano.yml", "included"])
def test_f24_yaml_alias_bomb_is_refused_at_once(pipeline_project: Path, where: str) -> None:
    path = pipeline_project / "meltano.yml"
    if where == "meltano.yml":
        path.write_text(path.read_text() + alias_bomb())
    else:
        path.write_text(path.read_text() + "include_paths: [extra/*.yml]\n")
        path = pipeline_project / "extra" / "bomb.yml"
        path.parent.mkdir()
        path.write_text(alias_bomb())
    bomb_line = path.read_text().splitlines().index("  x5: &a5 [" + ", ".join(["*a4"] * 9) + "]")
    cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = limited_meltano(pipeline_project, "config", "list", "tap-counter", memory=2 << 30)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    seconds = after.ru_utime + after.ru_stime - cpu.ru_utime - cpu.ru_stime
    print(f"F24 alias bomb in {where}: refused in {done.seconds:.2f} s ({seconds:.2f} s CPU)")
    assert done.code == ExitCode.FAILED, done.stderr[-2000:]
    assert f"Error: {path}:{bomb_line + 1}:7: aliases here expand to 597,871 values" in done.stderr
    assert "Traceback" not in done.stderr and "bug" not in done.stderr
    assert done.seconds < 10  # 4.4.1 takes about 13 s and expands it; without the check, minutes


@pytest.mark.parametrize("style", ["flow", "block"])
def test_f24_nesting_5000_levels_deep_is_an_error_not_a_crash(
    pipeline_project: Path, style: str
) -> None:
    path = pipeline_project / "meltano.yml"
    levels = 5000
    if style == "flow":
        deep = "deep: " + "[" * levels + "]" * levels + "\n"
    else:
        deep = "deep:\n" + "".join(" " * n + "k:\n" for n in range(1, levels + 1))
    text = path.read_text()
    path.write_text(text + deep)
    first = text.count("\n") + 1
    done = limited_meltano(pipeline_project, "config", "list", "tap-counter", memory=2 << 30)
    print(f"F24 {levels} levels of {style} nesting: refused in {done.seconds:.2f} s")
    assert done.code == ExitCode.FAILED, done.stderr[-2000:]
    where = f"{first}:107" if style == "flow" else f"{first + 99}:100"
    assert f"Error: {path}:{where}: values are nested more than 100 levels deep" in done.stderr
    assert "Traceback" not in done.stderr and "Recursion" not in done.stderr
    assert "bug" not in done.stderr
