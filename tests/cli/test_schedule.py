from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from meltano.core.errors import ExitCode

Invoke = Callable[..., Result]

PROJECT = """\
plugins:
  extractors:
  - name: tap-fake
  loaders:
  - name: target-fake
  utilities:
  - name: util-fake
    commands:
      hello: echo hello
jobs:
- name: myjob
  tasks:
  - tap-fake target-fake
  - util-fake:hello
- name: other
  tasks: util-fake
"""


@pytest.fixture
def meltano_yml(project_dir: Path) -> Path:
    """The project's meltano.yml, with plugins and two jobs to schedule."""
    path = project_dir / "meltano.yml"
    path.write_text(path.read_text() + PROJECT)
    return path


def add_run(project_dir: Path, state_id: str, state: str, started: str, ended: str | None) -> None:
    """Write a row into the runs table as 4.4.1 would (naive UTC times)."""
    with sqlite3.connect(project_dir / ".meltano" / "meltano.db") as db:
        db.execute(
            "INSERT INTO runs (job_name, state, started_at, ended_at, payload, payload_flags,"
            " run_id, \"trigger\") VALUES (?, ?, ?, ?, '{}', 0, ?, 'cli')",
            (state_id, state, started, ended, uuid.uuid4().hex),
        )


def test_add_is_the_default_subcommand(invoke: Invoke, meltano_yml: Path) -> None:
    result = invoke("schedule", "daily-job", "--job", "myjob", "--interval", "@daily")
    assert result.exit_code == 0, result.output
    assert result.stdout == "Scheduled job 'daily-job' at @daily\n"
    assert meltano_yml.read_text().endswith(
        "schedules:\n- name: daily-job\n  interval: '@daily'\n  job: myjob\n"
    )


def test_add_elt_schedule(invoke: Invoke, meltano_yml: Path) -> None:
    result = invoke(
        "schedule", "add", "hourly", "--extractor", "tap-fake", "--loader", "target-fake",
        "--interval", "0 * * * *",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stdout == "Scheduled elt 'hourly' at 0 * * * *\n"
    assert meltano_yml.read_text().endswith(
        "- name: hourly\n  interval: 0 * * * *\n  extractor: tap-fake\n  loader: target-fake\n"
        "  transform: skip\n"
    )
    run = invoke(
        "schedule", "add", "with-dbt", "--extractor", "tap-fake", "--loader", "target-fake",
        "--transform", "run", "--interval", "@hourly",
    )  # fmt: skip
    assert run.exit_code == 0
    assert "  transform: run\n" in meltano_yml.read_text()


def test_duplicate_add_is_a_notice_with_exit_0_as_4_4_1(invoke: Invoke, meltano_yml: Path) -> None:
    invoke("schedule", "s", "--job", "myjob", "--interval", "@daily")
    before = meltano_yml.read_text()
    result = invoke("schedule", "add", "s", "--job", "other", "--interval", "@hourly")
    assert result.exit_code == 0
    assert result.stdout == "Schedule 's' already exists.\n"
    assert meltano_yml.read_text() == before


@pytest.mark.parametrize(
    ("args", "exit_code", "message"),
    [
        (
            ("--job", "myjob", "--interval", "nope"),
            ExitCode.FAILED,
            "Invalid Cron expression or alias: 'nope'. Please use a valid cron expression.",
        ),
        (
            ("--job", "myjob", "--interval", "0 0 * * * *"),
            ExitCode.FAILED,
            "Invalid Cron expression or alias",
        ),
        (
            ("--job", "myjob", "--extractor", "tap-fake", "--interval", "@daily"),
            ExitCode.FAILED,
            "Cannot mix --job with --extractor/--loader/--transform",
        ),
        (
            ("--job", "myjob", "--transform", "run", "--interval", "@daily"),
            ExitCode.FAILED,
            "Cannot mix --job",
        ),
        (("--extractor", "tap-fake", "--interval", "@daily"), ExitCode.USAGE, "Missing --loader"),
        (("--interval", "@daily"), ExitCode.USAGE, "Missing --extractor"),
        (("--job", "myjob"), ExitCode.USAGE, "Missing option '--interval'"),
        (
            ("--job", "nosuchjob", "--interval", "@daily"),
            ExitCode.FAILED,
            "Schedule 'bad' refers to job 'nosuchjob', which does not exist",
        ),
        (
            ("--extractor", "tap-fake", "--loader", "target-fake", "--transform", "x",
             "--interval", "@daily"),
            ExitCode.USAGE,
            "Invalid value for '--transform'",
        ),
    ],
)  # fmt: skip
def test_bad_add_writes_nothing(
    invoke: Invoke, meltano_yml: Path, args: tuple[str, ...], exit_code: int, message: str
) -> None:
    before = meltano_yml.read_text()
    result = invoke("schedule", "add", "bad", *args)
    assert result.exit_code == exit_code
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert meltano_yml.read_text() == before


def test_list_text_and_json(invoke: Invoke, meltano_yml: Path, project_dir: Path) -> None:
    meltano_yml.write_text(
        meltano_yml.read_text()
        + """\
schedules:
- name: daily-job
  interval: '@daily'
  job: myjob
  env:
    X: 1
- name: hourly-elt
  interval: 0 * * * *
  extractor: tap-fake
  loader: target-fake
  transform: skip
- name: once
  interval: '@once'
  extractor: tap-fake
  loader: target-fake
  transform: only
- name: legacy
  extractor: tap-fake
  loader: target-fake
  start_date: 2020-01-01
"""
    )
    text = invoke("schedule", "list")
    assert text.exit_code == 0, text.output
    assert text.stdout == (
        "[@daily] job daily-job: myjob → ['tap-fake target-fake', 'util-fake:hello']\n"
        "[0 * * * *] elt hourly-elt: tap-fake → target-fake x transforms\n"
        "[@once] elt once: tap-fake \N{MULTIPLICATION SIGN} target-fake → transforms\n"
        "[None] elt legacy: tap-fake → target-fake x transforms\n"
    )
    add_run(project_dir, "hourly-elt", "SUCCESS", "2024-01-02 03:04:05", "2024-01-02 03:05:06")
    add_run(project_dir, "hourly-elt", "SUCCESS", "2024-01-03 03:04:05", "2024-01-03 03:05:06.5")
    add_run(project_dir, "hourly-elt", "FAIL", "2024-01-04 03:04:05", "2024-01-04 03:05:06")
    add_run(project_dir, "dev:once", "SUCCESS", "2024-01-04 03:04:05", "2024-01-04 03:05:06")
    result = invoke("schedule", "list", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "schedules": {
            "job": [
                {
                    "name": "daily-job",
                    "interval": "@daily",
                    "cron_interval": "0 0 * * *",
                    "env": {"X": 1},
                    "job": {
                        "name": "myjob",
                        "tasks": ["tap-fake target-fake", "util-fake:hello"],
                    },
                }
            ],
            "elt": [
                {
                    "name": "hourly-elt",
                    "extractor": "tap-fake",
                    "loader": "target-fake",
                    "transform": "skip",
                    "interval": "0 * * * *",
                    "env": {},
                    "cron_interval": "0 * * * *",
                    "last_successful_run_ended_at": "2024-01-03T03:05:06.500000+00:00",
                    "elt_args": [
                        "tap-fake",
                        "target-fake",
                        "--transform=skip",
                        "--state-id=hourly-elt",
                    ],
                },
                {
                    "name": "once",
                    "extractor": "tap-fake",
                    "loader": "target-fake",
                    "transform": "only",
                    "interval": "@once",
                    "env": {},
                    "cron_interval": None,
                    "last_successful_run_ended_at": None,
                    "elt_args": ["tap-fake", "target-fake", "--transform=only", "--state-id=once"],
                },
                {
                    "name": "legacy",
                    "extractor": "tap-fake",
                    "loader": "target-fake",
                    "transform": "skip",
                    "interval": None,
                    "env": {},
                    "cron_interval": None,
                    "last_successful_run_ended_at": None,
                    "elt_args": [
                        "tap-fake",
                        "target-fake",
                        "--transform=skip",
                        "--state-id=legacy",
                    ],
                },
            ],
        }
    }
    elt_keys = list(json.loads(result.stdout)["schedules"]["elt"][0])
    assert elt_keys[-3:] == ["cron_interval", "last_successful_run_ended_at", "elt_args"]


def test_list_marks_stale_runs_failed(invoke: Invoke, meltano_yml: Path, project_dir: Path) -> None:
    assert invoke("schedule", "list").stdout == ""
    add_run(project_dir, "hourly-elt", "RUNNING", "2024-01-04 03:04:05", None)
    result = invoke("schedule", "list", "--format", "json")
    assert json.loads(result.stdout) == {"schedules": {"job": [], "elt": []}}
    assert "marked stale run as failed" in result.stderr
    with sqlite3.connect(project_dir / ".meltano" / "meltano.db") as db:
        assert db.execute("SELECT state FROM runs").fetchall() == [("FAIL",)]


def test_list_fails_loudly_when_a_job_is_gone(invoke: Invoke, meltano_yml: Path) -> None:
    meltano_yml.write_text(
        meltano_yml.read_text() + "schedules:\n- name: s\n  interval: '@daily'\n  job: gone\n"
    )
    for args in (("schedule", "list"), ("schedule", "list", "--format", "json")):
        result = invoke(*args)
        assert result.exit_code == ExitCode.FAILED
        assert result.stdout == ""
        assert "Schedule 's' refers to job 'gone', which does not exist" in result.stderr


def test_set_updates_fields(invoke: Invoke, meltano_yml: Path) -> None:
    invoke("schedule", "j", "--job", "myjob", "--interval", "@daily")
    invoke(
        "schedule", "e", "--extractor", "tap-fake", "--loader", "target-fake",
        "--interval", "@daily",
    )  # fmt: skip
    result = invoke("schedule", "set", "j", "--interval", "@hourly", "--job", "other")
    assert result.exit_code == 0, result.output
    assert result.stdout == "Updated schedule 'j'\n"
    assert "- name: j\n  interval: '@hourly'\n  job: other\n" in meltano_yml.read_text()
    elt = invoke("schedule", "set", "e", "--loader", "target-x", "--transform", "run")
    assert elt.exit_code == 0
    assert "  loader: target-x\n  transform: run\n" in meltano_yml.read_text()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("j", "--extractor", "tap-fake"), "Cannot mix --job"),
        (("e", "--job", "myjob"), "Cannot mix --job"),
        (("j", "--interval", "bogus"), "Invalid Cron expression or alias: 'bogus'"),
        (("j", "--job", "nosuchjob"), "refers to job 'nosuchjob'"),
        (("nope", "--interval", "@daily"), "Schedule 'nope' was not found"),
    ],
)
def test_bad_set_writes_nothing(
    invoke: Invoke, meltano_yml: Path, args: tuple[str, ...], message: str
) -> None:
    invoke("schedule", "j", "--job", "myjob", "--interval", "@daily")
    invoke(
        "schedule", "e", "--extractor", "tap-fake", "--loader", "target-fake",
        "--interval", "@daily",
    )  # fmt: skip
    before = meltano_yml.read_text()
    result = invoke("schedule", "set", *args)
    assert result.exit_code == ExitCode.FAILED
    assert message in result.stderr
    assert meltano_yml.read_text() == before


def test_remove(invoke: Invoke, meltano_yml: Path) -> None:
    invoke("schedule", "j", "--job", "myjob", "--interval", "@daily")
    invoke("schedule", "k", "--job", "other", "--interval", "@daily")
    result = invoke("schedule", "remove", "j")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert invoke("schedule", "list").stdout == "[@daily] job k: other → util-fake\n"
    unknown = invoke("schedule", "remove", "j")
    assert unknown.exit_code == ExitCode.FAILED
    assert "Schedule 'j' was not found" in unknown.stderr


def test_read_only_project_refuses_changes(invoke: Invoke, meltano_yml: Path) -> None:
    invoke("schedule", "j", "--job", "myjob", "--interval", "@daily")
    before = meltano_yml.read_text()
    readonly = {"MELTANO_PROJECT_READONLY": "1"}
    for args in (
        ("schedule", "k", "--job", "myjob", "--interval", "@daily"),
        ("schedule", "set", "j", "--interval", "@hourly"),
        ("schedule", "remove", "j"),
    ):
        result = invoke(*args, env=readonly)
        assert result.exit_code == ExitCode.FAILED, args
        assert "read-only" in result.stderr
    assert invoke("schedule", "list", env=readonly).exit_code == 0
    assert meltano_yml.read_text() == before


def test_schedules_in_included_files_are_edited_there(
    invoke: Invoke, meltano_yml: Path, project_dir: Path
) -> None:
    meltano_yml.write_text(meltano_yml.read_text() + "include_paths: ['./schedules.yml']\n")
    included = project_dir / "schedules.yml"
    included.write_text("schedules:\n- name: inc\n  interval: '@daily'  # nightly\n  job: myjob\n")
    root_before = meltano_yml.read_text()
    assert invoke("schedule", "list").stdout.startswith("[@daily] job inc: myjob")
    assert invoke("schedule", "set", "inc", "--interval", "@hourly").exit_code == 0
    assert meltano_yml.read_text() == root_before
    assert included.read_text().startswith("schedules:\n- name: inc\n  interval: '@hourly' ")
    assert "# nightly\n  job: myjob\n" in included.read_text()
    assert invoke("schedule", "remove", "inc").exit_code == 0
    assert meltano_yml.read_text() == root_before
    assert included.read_text() == "plugins: {}\nschedules: []\njobs: []\nenvironments: []\n"


def test_help_lists_add_as_default_and_run(invoke: Invoke) -> None:
    result = invoke("schedule", "--help")
    assert result.exit_code == 0
    assert "add*" in result.stdout
    assert "[default]" in result.stdout
    assert "\n  run " in result.stdout
    assert invoke("schedule").exit_code == ExitCode.USAGE


def test_database_uri_on_the_group(invoke: Invoke, meltano_yml: Path, tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'other.db'}"
    added = invoke("schedule", "--database-uri", uri, "s", "--job", "myjob", "--interval", "@daily")
    assert added.exit_code == 0, added.output
    listed = invoke("schedule", "--database-uri", uri, "list")
    assert listed.stdout == "[@daily] job s: myjob → ['tap-fake target-fake', 'util-fake:hello']\n"
    assert (tmp_path / "other.db").exists()
