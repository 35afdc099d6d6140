"""F8: `kind: password` values never show up anywhere meltano writes, and runtime config is private."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import stat
import time
from pathlib import Path

import pytest

from meltano.core.errors import ExitCode
from tests.faults.conftest import (
    add_to_meltano_yml,
    finish,
    logs_list,
    meltano,
    run_records,
    start,
    wait_for,
)

SECRETS = {"meltano.yml": "hunter2-secret", ".env": "dotenv-pw-4821", "env": "environ-pw-9137"}
PLAIN = ("run", "tap-counter", "target-jsonl")


@pytest.fixture
def secret_project(pipeline_project: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    add_to_meltano_yml(
        pipeline_project,
        "    - {name: secret, kind: password}\n",
        "    - {name: secret, kind: password}\n"
        "    - {name: secret_dotenv, kind: password}\n"
        "    - {name: secret_env, kind: password}\n",
    )
    (pipeline_project / ".env").write_text(f"TAP_COUNTER_SECRET_DOTENV={SECRETS['.env']}\n")
    monkeypatch.setenv("TAP_COUNTER_SECRET_ENV", SECRETS["env"])
    return pipeline_project


def leaks(text: str | bytes) -> list[str]:
    """Which secrets appear in `text`."""
    data = text.encode() if isinstance(text, str) else text
    return [where for where, secret in SECRETS.items() if secret.encode() in data]


@pytest.mark.slow
def test_f8_secrets_never_appear_in_output_logs_or_history(secret_project: Path) -> None:
    project = secret_project
    unsafe = meltano(project, "config", "--unsafe", "print", "tap-counter")
    assert leaks(unsafe.stdout) == ["meltano.yml", ".env", "env"]  # all three are really set
    outputs = {}
    for args in (
        ("config", "list", "tap-counter"),
        ("config", "print", "tap-counter"),
        ("config", "print", "tap-counter", "--format", "env"),
    ):
        done = meltano(project, *args, log_level="debug")
        assert done.code == 0, done.stderr
        outputs[" ".join(args)] = done.stdout + done.stderr
    for level in ("debug", "info", "warning", "error", "critical"):
        done = meltano(project, "run", "--full-refresh", *PLAIN[1:], log_level=level)
        assert done.code == 0, done.stderr
        outputs[f"run at {level}"] = done.stdout + done.stderr
    for crash in ({"TAP_COUNTER_CRASH_AT": "3"}, {"TARGET_JSONL_CRASH_AT": "2"}):
        done = meltano(project, "run", "--full-refresh", *PLAIN[1:], env=crash, log_level="debug")
        assert done.code == ExitCode.FAILED
        assert "Traceback" in done.stderr  # the plugin's own crash, logged
        outputs[f"crash {crash}"] = done.stdout + done.stderr
    for record in run_records(project):
        shown = meltano(project, "logs", "show", record.run_id, log_level="debug")
        outputs[f"logs show {record.run_id}"] = shown.stdout + shown.stderr
        outputs[f"history {record.run_id}"] = repr(record)
    outputs["logs list"] = repr(logs_list(project))
    found = {name: leaks(text) for name, text in outputs.items() if leaks(text)}
    assert found == {}
    on_disk = [
        path
        for path in (project / ".meltano").rglob("*")
        if path.is_file() and "venv" not in path.parts and leaks(path.read_bytes())
    ]
    assert on_disk == []  # system DB (and its WAL), run logs, nothing keeps a secret
    print(f"F8 0 secret occurrences in {len(outputs)} outputs and every file under .meltano")


def runtime_files(project: Path) -> list[Path]:
    return list((project / ".meltano" / "run" / "runs").rglob("*"))


@pytest.mark.parametrize("ending", ["success", "failure", "sigterm"])
def test_f8_runtime_config_is_private_and_removed(secret_project: Path, ending: str) -> None:
    project = secret_project
    ready, release = project / "tap.ready", project / "release"
    env = {"TAP_COUNTER_READY_FILE": str(ready), "TAP_COUNTER_WAIT_FILE": str(release)}
    if ending == "failure":
        env["TAP_COUNTER_EXIT_AT"] = "2"
    began = time.monotonic()
    process = start(project, *PLAIN, env=env)
    try:
        assert wait_for(ready.exists, 30)
        files = runtime_files(project)
        config_files = [
            path for path in files if path.name.endswith(".json") and leaks(path.read_bytes())
        ]
        assert config_files, files  # the tap's config, with its secrets, is in there now
        for path in files:
            mode = stat.S_IMODE(path.stat().st_mode)
            assert mode == (0o700 if path.is_dir() else 0o600), (path, oct(mode))
        run_dir = project / ".meltano" / "run" / "runs"
        assert stat.S_IMODE(next(run_dir.iterdir()).stat().st_mode) == 0o700
        if ending == "sigterm":
            os.kill(process.pid, signal.SIGTERM)
        else:
            release.touch()
        done = finish(process, began)
    finally:
        if process.poll() is None:
            process.kill()
    expected = {"success": 0, "failure": ExitCode.FAILED, "sigterm": ExitCode.TERMINATED}[ending]
    assert done.code == expected, done.stderr
    assert runtime_files(project) == []


@pytest.mark.slow
def test_f27_runtime_config_of_a_killed_run_is_removed_by_the_next_command(
    secret_project: Path, cleanup: list
) -> None:
    project = secret_project
    ready, release = project / "tap.ready", project / "release"
    env = {"TAP_COUNTER_READY_FILE": str(ready), "TAP_COUNTER_WAIT_FILE": str(release)}
    began = time.monotonic()
    killed = start(project, *PLAIN, env=env)
    cleanup.append(killed)
    assert wait_for(ready.exists, 30)
    left = [path for path in runtime_files(project) if path.is_file() and leaks(path.read_bytes())]
    assert left  # the tap's config with its secrets, on disk while the run lives
    killed.kill()  # kill -9: no clean-up of its own
    finish(killed, began)
    assert all(path.exists() for path in left)

    killed_dir = left[0].parents[1]  # runs/<run id>/<plugin>/<file>
    runs = killed_dir.parent

    ready.unlink()
    alive = start(project, *PLAIN, "--state-id-suffix", "other", env=env)  # a live run beside
    cleanup.append(alive)
    assert wait_for(ready.exists, 30)
    live_dir = next(d for d in runs.iterdir() if d != killed_dir)
    done = meltano(project, "state", "list")  # any command that opens the project
    assert done.code == 0, done.stderr
    assert not killed_dir.exists(), "the killed run's secrets are still on disk"
    assert list(runs.iterdir()) == [live_dir]  # the live run's files stay
    assert any(leaks(path.read_bytes()) for path in live_dir.rglob("*") if path.is_file())
    release.touch()
    assert finish(alive, began).code == 0
    assert runtime_files(project) == []
    print(f"F27 kill -9 left {len(left)} files with secrets; the next command removed them")


def secret_files(project: Path) -> list[Path]:
    """Files anywhere under `.meltano/run/` (not only `runs/`) holding a secret."""
    run = project / ".meltano" / "run"
    return [path for path in run.rglob("*") if path.is_file() and leaks(path.read_bytes())]


@pytest.mark.slow
@pytest.mark.parametrize(
    "command", [("invoke", "tap-counter"), ("config", "test", "tap-counter")], ids=" ".join
)
def test_f27_config_of_a_killed_invoke_or_config_test_is_removed_by_the_next_command(
    secret_project: Path, cleanup: list, command: tuple[str, ...]
) -> None:
    project = secret_project
    ready, release = project / "tap.ready", project / "release"
    env = {"TAP_COUNTER_READY_FILE": str(ready), "TAP_COUNTER_WAIT_FILE": str(release)}
    began = time.monotonic()
    killed = start(project, *command, env=env)
    cleanup.append(killed)
    assert wait_for(ready.exists, 30)
    left = secret_files(project)
    assert left  # the tap's config, with its secrets, while the command lives
    killed.kill()  # kill -9: no clean-up of its own
    finish(killed, began)
    assert secret_files(project) == left

    ready.unlink()
    alive = start(project, *command, env=env)  # the same command again, alive beside
    cleanup.append(alive)
    assert wait_for(ready.exists, 30)
    done = meltano(project, "state", "list")  # any command that opens the project
    assert done.code == 0, done.stderr
    still = secret_files(project)
    assert not set(left) & set(still), "the killed command's secrets are still on disk"
    assert still  # the live one's config stays
    release.touch()
    finish(alive, began)
    assert secret_files(project) == []
    print(f"F27 kill -9 of `meltano {' '.join(command)}` left {len(left)} files; next command: 0")


# F35: secrets a plugin prints itself are blanked in every line we print or store.

PEM = (
    "-----BEGIN PRIVATE KEY-----\n"
    "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n"
    "VJTUt9Us8cKjMzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDu\n"
    "-----END PRIVATE KEY-----"
)
#: Each secret of the leaky project, by the store it comes from.
PRINTED_SECRETS = {
    "meltano.yml": "hunter2-secret",
    ".env setting": "dotenv-pw-4821",
    "env": 'pa"ss\\wörd-9137',  # a quote, a backslash, a non-ASCII letter: escaped in JSON
    "system db": PEM,
    ".env only": "dotenv-only-token-5512",  # no setting: a `.env` value is a secret too
}
#: `.env` values that are not secrets, and the lines the tap prints with them.
NOT_SECRET_LINES = ("FEATURE_FLAG=true", "SHORT_CODE=abc")
MASK = "*****"


def spellings(secret: str) -> set[str]:
    """How a plugin may print a secret: as is, JSON-escaped, as Python repr, line by line."""
    forms = {secret, json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1]}
    forms.add(repr(secret)[1:-1])
    forms |= {line for line in secret.splitlines() if len(line.strip()) >= 4}
    return {form for form in forms if "\n" not in form}


def printed_leaks(text: str | bytes) -> list[str]:
    """Which secrets of PRINTED_SECRETS appear in `text`, in any spelling."""
    data = text if isinstance(text, str) else text.decode("utf-8", errors="replace")
    return [
        where
        for where, secret in PRINTED_SECRETS.items()
        if any(form in data for form in spellings(secret))
    ]


@pytest.fixture
def leaky_project(pipeline_project: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """tap-counter with a secret in each store, printing them all on stderr, then failing."""
    project = pipeline_project
    add_to_meltano_yml(
        project,
        "    - {name: secret, kind: password}\n",
        "    - {name: secret, kind: password}\n"
        "    - {name: secret_dotenv, kind: password}\n"
        "    - {name: secret_env, kind: password}\n"
        "    - {name: private_key, kind: string, sensitive: true}\n",
    )
    (project / ".env").write_text(
        f"TAP_COUNTER_SECRET_DOTENV={PRINTED_SECRETS['.env setting']}\n"
        f"API_TOKEN={PRINTED_SECRETS['.env only']}\n"
        "FEATURE_FLAG=true\n"
        "SHORT_CODE=abc\n"
    )
    monkeypatch.setenv("TAP_COUNTER_SECRET_ENV", PRINTED_SECRETS["env"])
    stored = meltano(
        project, "config", "set", "--store=db", "tap-counter", "private_key", "--", PEM
    )
    assert stored.code == 0, stored.stderr
    unsafe = meltano(project, "config", "--unsafe", "print", "tap-counter")
    assert json.loads(unsafe.stdout)["private_key"] == PEM  # every store really holds its secret
    monkeypatch.setenv("TAP_COUNTER_LEAK_CONFIG", "true")
    monkeypatch.setenv("TAP_COUNTER_LEAK_ENV", "API_TOKEN,FEATURE_FLAG,SHORT_CODE")
    return project


def run_log_files(project: Path) -> list[Path]:
    return [path for path in (project / ".meltano" / "logs").rglob("*.log") if path.is_file()]


def runs_payloads(project: Path) -> list[str]:
    """The `payload` column of every row of the `runs` table, as stored."""
    connection = sqlite3.connect(project / ".meltano" / "meltano.db")
    try:
        return [row[0] or "" for row in connection.execute("SELECT payload FROM runs")]
    finally:
        connection.close()


@pytest.mark.slow
def test_f35_secrets_a_plugin_prints_are_blanked_wherever_we_print_or_store_its_lines(
    leaky_project: Path,
) -> None:
    project = leaky_project
    done = meltano(project, *PLAIN, env={"TAP_COUNTER_EXIT_AT": "1"}, log_level="debug")
    assert done.code == ExitCode.FAILED, done.stderr
    console = done.stdout + done.stderr
    assert "tap-counter: giving up at record 1, with config" in console  # the plugin did print
    (record,) = run_records(project)
    shown = meltano(project, "logs", "show", record.run_id)
    assert shown.code == 0, shown.stderr
    logs = run_log_files(project)
    assert logs
    payloads = runs_payloads(project)
    summary = str(record.payload.get("error"))  # how it ended, and its last stderr lines
    assert "giving up at record 1, with config" in summary

    places = {
        "console": console,
        "logs show": shown.stdout + shown.stderr,
        "runs payload": "\n".join(payloads),
        "failure summary": summary,
        **{f"log file {path.name}": path.read_text() for path in logs},
    }
    leaked = {where: found for where, text in places.items() if (found := printed_leaks(text))}
    assert leaked == {}
    for where in ("console", "logs show", "failure summary"):
        assert MASK in places[where], where  # blanked, not dropped
    for where, text in places.items():
        if where.startswith("log file") or where in ("console", "logs show"):
            assert all(line in text for line in NOT_SECRET_LINES), where  # not secrets: kept

    checked = meltano(project, "config", "test", "tap-counter", env={"TAP_COUNTER_EXIT_AT": "1"})
    assert checked.code != 0
    assert "giving up at record 1" in checked.stdout + checked.stderr
    assert printed_leaks(checked.stdout + checked.stderr) == []

    dumped = meltano(project, "invoke", "--dump=catalog", "--refresh-catalog", "tap-counter")
    assert dumped.code == 0, dumped.stderr
    assert "setting secret:" in dumped.stderr  # the discovery's stderr, relayed
    assert printed_leaks(dumped.stdout + dumped.stderr) == []
    print(f"F35 {len(PRINTED_SECRETS)} secrets printed by a plugin, 0 kept in {len(places)} places")


@pytest.mark.slow
def test_f35_a_command_block_masks_the_secrets_of_the_run_s_earlier_blocks(
    leaky_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = leaky_project
    add_to_meltano_yml(
        project,
        '      fail: -c "exit 4"\n',
        '      fail: -c "exit 4"\n'
        "      leak: \"-c 'echo util saw >&2; printenv TAP_COUNTER_SECRET_ENV >&2'\"\n",
    )
    monkeypatch.delenv("TAP_COUNTER_LEAK_CONFIG")  # only the utility prints a secret here
    done = meltano(project, *PLAIN, "util:leak", log_level="debug")
    assert done.code == 0, done.stderr
    console = done.stdout + done.stderr
    assert "util saw" in console
    # the tap's secret from the shell's environment: the utility has no setting holding it
    assert printed_leaks(console) == []
