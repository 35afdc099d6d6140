from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from meltano.core.errors import ExitCode

Invoke = Callable[..., Result]

PLUGINS = """\
plugins:
  extractors:
  - name: tap-fake
  loaders:
  - name: target-fake
  utilities:
  - name: util-fake
    commands:
      hello: echo hello
  mappers:
  - name: mapper-fake
    mappings:
    - name: map-one
"""


@pytest.fixture
def meltano_yml(project_dir: Path) -> Path:
    """The project's meltano.yml, with a few plugins to build tasks from."""
    path = project_dir / "meltano.yml"
    path.write_text(path.read_text() + PLUGINS)
    return path


def test_add_writes_the_job_and_list_shows_it(invoke: Invoke, meltano_yml: Path) -> None:
    result = invoke("job", "add", "myjob", "--tasks", '["tap-fake target-fake", "util-fake:hello"]')
    assert result.exit_code == 0, result.output
    assert result.stdout == "Added job myjob: ['tap-fake target-fake', 'util-fake:hello']\n"
    assert meltano_yml.read_text().endswith(
        "jobs:\n- name: myjob\n  tasks:\n  - tap-fake target-fake\n  - util-fake:hello\n"
    )
    assert invoke("job", "list").stdout == "myjob: ['tap-fake target-fake', 'util-fake:hello']\n"
    listed = json.loads(invoke("job", "list", "--format", "json").stdout)
    assert listed == {
        "jobs": [{"job_name": "myjob", "tasks": ["tap-fake target-fake", "util-fake:hello"]}]
    }
    one = json.loads(invoke("job", "list", "myjob", "--format", "json").stdout)
    assert one == {"job_name": "myjob", "tasks": ["tap-fake target-fake", "util-fake:hello"]}


def test_add_single_string_and_nested_lists(invoke: Invoke, meltano_yml: Path) -> None:
    single = invoke("job", "add", "one", "--tasks", "tap-fake map-one target-fake util-fake")
    assert single.stdout == "Added job one: ['tap-fake map-one target-fake util-fake']\n"
    nested = invoke(
        "job", "add", "two", "--tasks", '[["tap-fake target-fake", "util-fake"], "util-fake:hello"]'
    )
    assert nested.exit_code == 0, nested.output
    assert "  tasks:\n  - - tap-fake target-fake\n    - util-fake\n  - util-fake:hello\n" in (
        meltano_yml.read_text()
    )
    assert invoke("job", "list", "two").stdout == (
        "two: [['tap-fake target-fake', 'util-fake'], 'util-fake:hello']\n"
    )


def test_add_keeps_comments_and_ignores_the_default_environment(
    invoke: Invoke, meltano_yml: Path
) -> None:
    meltano_yml.write_text("# my project\n" + meltano_yml.read_text())
    result = invoke("job", "add", "j", "--tasks", "util-fake")
    assert result.exit_code == 0
    assert meltano_yml.read_text().startswith("# my project\n")
    assert "default_environment: dev" in meltano_yml.read_text()  # the project has one
    # `job` never uses an environment, so dropping the default is not worth a notice
    assert "will be ignored" not in result.stderr
    listed = invoke("--log-level", "debug", "job", "list")
    assert "The default environment 'dev' will be ignored for `meltano job`" in listed.stderr


def test_a_command_that_uses_environments_still_says_the_default_is_ignored(
    invoke: Invoke,
) -> None:
    result = invoke("config", "list", "meltano")
    assert "The default environment 'dev' will be ignored for `meltano config`" in result.stderr


@pytest.mark.parametrize(
    ("tasks", "detail"),
    [
        ("[unclosed", "not valid YAML"),
        ("{a: 1}", "Expected a task string or a list of tasks"),
        ("[]", "Expected a task string or a list of tasks"),
        ('[[["tap-fake"]]]', "Each task must be a string or a list of strings"),
        ("tap-fake target-fake dbt:run", "Block dbt:run not found"),
        ("target-fake tap-fake", "not preceded by an extractor"),
        ('["tap-fake", "target-fake"]', "has no loader"),
    ],
)
def test_add_rejects_tasks_that_cannot_run(
    invoke: Invoke, meltano_yml: Path, tasks: str, detail: str
) -> None:
    before = meltano_yml.read_text()
    result = invoke("job", "add", "bad", "--tasks", tasks)
    assert result.exit_code == ExitCode.FAILED
    assert "Error: Job 'bad' has invalid tasks." in result.stderr
    assert detail in result.stderr
    assert "Traceback" not in result.output
    assert meltano_yml.read_text() == before


def test_add_rejects_nested_jobs_and_names_of_plugins(invoke: Invoke, meltano_yml: Path) -> None:
    assert invoke("job", "add", "first", "--tasks", "util-fake").exit_code == 0
    before = meltano_yml.read_text()
    nested = invoke("job", "add", "second", "--tasks", "first")
    assert nested.exit_code == ExitCode.FAILED
    assert "jobs cannot contain other jobs" in nested.stderr
    clash = invoke("job", "add", "util-fake", "--tasks", "tap-fake target-fake")
    assert clash.exit_code == ExitCode.FAILED
    assert "ambiguous" in clash.stderr
    assert meltano_yml.read_text() == before


def test_add_duplicate_fails_and_keeps_the_file(invoke: Invoke, meltano_yml: Path) -> None:
    invoke("job", "add", "j", "--tasks", "util-fake")
    before = meltano_yml.read_text()
    result = invoke("job", "add", "j", "--tasks", "util-fake:hello")
    assert result.exit_code == ExitCode.FAILED
    assert "Job 'j' already exists" in result.stderr
    assert "meltano job set j" in result.stderr
    assert meltano_yml.read_text() == before


def test_set_replaces_tasks(invoke: Invoke, meltano_yml: Path) -> None:
    invoke("job", "add", "j", "--tasks", "util-fake")
    result = invoke("job", "set", "j", "--tasks", '["tap-fake target-fake", "util-fake:hello"]')
    assert result.exit_code == 0
    assert result.stdout == "Updated job j: ['tap-fake target-fake', 'util-fake:hello']\n"
    assert "- name: j\n  tasks:\n  - tap-fake target-fake\n  - util-fake:hello\n" in (
        meltano_yml.read_text()
    )
    before = meltano_yml.read_text()
    invalid = invoke("job", "set", "j", "--tasks", "bogus")
    assert invalid.exit_code == ExitCode.FAILED
    assert "Job 'j' has invalid tasks. Block bogus not found" in invalid.stderr
    assert meltano_yml.read_text() == before


def test_unknown_names_in_set_and_list_exit_0_as_4_4_1(invoke: Invoke, meltano_yml: Path) -> None:
    before = meltano_yml.read_text()
    for args in (
        ("job", "set", "nope", "--tasks", "util-fake"),
        ("job", "list", "nope"),
        ("job", "list", "nope", "--format", "json"),
    ):
        result = invoke(*args)
        assert result.exit_code == 0
        assert result.stdout == "Job 'nope' does not exist.\n"
    assert meltano_yml.read_text() == before


def test_remove(invoke: Invoke, meltano_yml: Path) -> None:
    invoke("job", "add", "j", "--tasks", "util-fake")
    invoke("job", "add", "k", "--tasks", "util-fake:hello")
    result = invoke("job", "remove", "j")
    assert result.exit_code == 0
    assert result.stdout == "Removed job 'j'.\n"
    assert invoke("job", "list").stdout == "k: ['util-fake:hello']\n"
    unknown = invoke("job", "remove", "j")
    assert unknown.exit_code == ExitCode.FAILED
    assert "Job 'j' was not found" in unknown.stderr


def test_list_empty_and_jobs_written_by_hand(invoke: Invoke, meltano_yml: Path) -> None:
    assert invoke("job", "list").stdout == ""
    assert json.loads(invoke("job", "list", "--format", "json").stdout) == {"jobs": []}
    meltano_yml.write_text(meltano_yml.read_text() + "jobs:\n- name: s\n  tasks: util-fake\n")
    assert invoke("job", "list").stdout == "s: util-fake\n"
    assert json.loads(invoke("job", "list", "s", "--format", "json").stdout) == {
        "job_name": "s",
        "tasks": "util-fake",
    }


def test_read_only_project_refuses_changes(invoke: Invoke, meltano_yml: Path) -> None:
    invoke("job", "add", "j", "--tasks", "util-fake")
    before = meltano_yml.read_text()
    readonly = {"MELTANO_PROJECT_READONLY": "true"}
    for args in (
        ("job", "add", "k", "--tasks", "util-fake"),
        ("job", "set", "j", "--tasks", "util-fake:hello"),
        ("job", "remove", "j"),
    ):
        result = invoke(*args, env=readonly)
        assert result.exit_code == ExitCode.FAILED, args
        assert "read-only" in result.stderr
    assert invoke("job", "list", env=readonly).exit_code == 0
    assert meltano_yml.read_text() == before


def test_jobs_in_included_files_are_edited_there(
    invoke: Invoke, meltano_yml: Path, project_dir: Path
) -> None:
    meltano_yml.write_text(meltano_yml.read_text() + "include_paths: ['./jobs/*.yml']\n")
    (project_dir / "jobs").mkdir()
    included = project_dir / "jobs" / "more.yml"
    included.write_text("jobs:\n- name: inc  # kept\n  tasks:\n  - util-fake\n")
    root_before = meltano_yml.read_text()
    assert invoke("job", "list").stdout == "inc: ['util-fake']\n"

    assert invoke("job", "set", "inc", "--tasks", "tap-fake target-fake").exit_code == 0
    assert meltano_yml.read_text() == root_before
    assert included.read_text() == (
        "jobs:\n- name: inc  # kept\n  tasks:\n  - tap-fake target-fake\n"
    )
    duplicate = invoke("job", "add", "inc", "--tasks", "util-fake")
    assert duplicate.exit_code == ExitCode.FAILED

    assert invoke("job", "add", "rooted", "--tasks", "util-fake").exit_code == 0
    assert "- name: rooted" in meltano_yml.read_text()
    assert "rooted" not in included.read_text()

    assert invoke("job", "remove", "inc").exit_code == 0
    assert included.read_text() == "plugins: {}\nschedules: []\njobs: []\nenvironments: []\n"


def test_database_uri_on_the_group(invoke: Invoke, meltano_yml: Path, tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'other.db'}"
    result = invoke("job", "--database-uri", uri, "add", "j", "--tasks", "util-fake")
    assert result.exit_code == 0, result.output
    assert invoke("job", "list", "--database-uri", uri).stdout == "j: ['util-fake']\n"
