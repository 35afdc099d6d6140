from __future__ import annotations

import pytest

from meltano.core.blocks.parse import BlockIndex
from meltano.core.plugins.types import PluginType
from meltano.core.schedules.jobs import InvalidTasksError, check_tasks, parse_tasks

INDEX = BlockIndex(
    plugins={
        "tap-x": PluginType.EXTRACTORS,
        "target-y": PluginType.LOADERS,
        "mapper-m": PluginType.MAPPERS,
        "dbt": PluginType.UTILITIES,
    },
    mappings={"hash-emails": "mapper-m"},
    jobs={"existing": ["tap-x", "target-y"]},
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tap-x target-y dbt:run", ["tap-x target-y dbt:run"]),
        ('["tap-x target-y", "dbt:run"]', ["tap-x target-y", "dbt:run"]),
        ("- tap-x target-y\n- dbt:run\n", ["tap-x target-y", "dbt:run"]),
        ('[["tap-x target-y", "dbt"], "dbt:run"]', [["tap-x target-y", "dbt"], "dbt:run"]),
    ],
)
def test_parse_tasks_accepts_a_string_a_list_or_a_mixed_list(text: str, expected: list) -> None:  # type: ignore[type-arg]
    assert parse_tasks("j", text) == expected


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("[unclosed", "not valid YAML"),
        ("{a: 1}", "Expected a task string or a list of tasks"),
        ("123", "Expected a task string or a list of tasks"),
        ("", "Expected a task string or a list of tasks"),
        ("[]", "Expected a task string or a list of tasks"),
        ('[[["a"]]]', "Each task must be a string or a list of strings"),
        ("[[]]", "Each task must be a string or a list of strings"),
        ("[1, 2]", "Each task must be a string or a list of strings"),
        ("!!python/object:os.system x", "not valid YAML"),  # safe loader: no object tags
    ],
)
def test_parse_tasks_rejects_other_shapes(text: str, detail: str) -> None:
    with pytest.raises(InvalidTasksError) as caught:
        parse_tasks("j", text)
    assert caught.value.reason.startswith("Job 'j' has invalid tasks. ")
    assert detail in caught.value.reason


@pytest.mark.parametrize(
    "tasks",
    [
        ["tap-x target-y"],
        ["tap-x mapper-m target-y", "dbt:run"],
        ["tap-x hash-emails target-y"],
        [["tap-x target-y", "dbt"], "dbt:test"],
    ],
)
def test_runnable_tasks_pass(tasks: list) -> None:  # type: ignore[type-arg]
    check_tasks("j", tasks, INDEX)


@pytest.mark.parametrize(
    ("tasks", "detail"),
    [
        (["tap-x target-y dbt:run", "nope"], "Block nope not found"),
        (["target-y tap-x"], "not preceded by an extractor"),
        (["tap-x"], "has no loader"),
        # each top-level task is one `meltano run`: a set may not span two tasks
        (["tap-x", "target-y"], "has no loader"),
        (["existing"], "jobs cannot contain other jobs"),
        ([""], "No blocks given"),
    ],
)
def test_tasks_that_cannot_run_are_rejected(tasks: list, detail: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(InvalidTasksError) as caught:
        check_tasks("j", tasks, INDEX)
    assert caught.value.reason.startswith("Job 'j' has invalid tasks. ")
    assert detail in caught.value.reason


def test_a_job_named_like_a_plugin_could_never_run() -> None:
    with pytest.raises(InvalidTasksError, match="ambiguous"):
        check_tasks("dbt", ["tap-x target-y"], INDEX)
