"""Jobs: named task lists in `meltano.yml` that `meltano run JOB` expands into blocks.

A job's tasks must form a runnable plan before they are written: every top-level task is
parsed as the arguments of one `meltano run`, against the plugins the project defines.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from meltano.core.blocks.parse import BlockIndex, BlockParseError, flatten_tasks, parse
from meltano.core.errors import MeltanoError
from meltano.core.plugins.types import PluginType
from meltano.core.project import document
from meltano.core.project.project import Project

# A job's tasks: a list whose items are task strings or lists of task strings.
Tasks = list[Any]


@dataclass(frozen=True)
class Job:
    """One `jobs:` entry."""

    name: str
    tasks: Tasks | str  # as written: files may hold a single task string


class JobExistsError(MeltanoError):
    def __init__(self, name: str) -> None:
        super().__init__(
            f"Job '{name}' already exists",
            f"Change it with `meltano job set {name} --tasks ...`, or pick another name",
        )


class JobNotFoundError(MeltanoError):
    def __init__(self, name: str) -> None:
        super().__init__(f"Job '{name}' was not found", "List jobs with `meltano job list`")


class InvalidTasksError(MeltanoError):
    def __init__(self, name: str, detail: str, instruction: str | None = None) -> None:
        detail = detail.rstrip(".")
        super().__init__(
            f"Job '{name}' has invalid tasks. {detail}",
            instruction
            or "Pass tasks as YAML: 'tap target', or a list like '[\"tap target\", \"dbt:run\"]'",
        )


def parse_tasks(name: str, text: str) -> Tasks:
    """Read `--tasks` YAML: a string, a list of strings, or a list mixing strings and lists."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        value = YAML(typ="safe", pure=True).load(text)
    except YAMLError as error:
        problem = getattr(error, "problem", None) or "it is not valid YAML"
        raise InvalidTasksError(name, f"The tasks are not valid YAML: {problem}") from error
    if isinstance(value, str):
        value = [value]
    check_shape(name, value)
    return list(value)


def check_shape(name: str, tasks: Any) -> None:
    """Tasks must be a non-empty list of strings or of lists of strings."""
    if not isinstance(tasks, list) or not tasks:
        raise InvalidTasksError(name, f"Expected a task string or a list of tasks, got {tasks!r}")
    for task in tasks:
        items = task if isinstance(task, list) else [task]
        if not items or not all(isinstance(item, str) for item in items):
            raise InvalidTasksError(
                name, f"Each task must be a string or a list of strings, not {task!r}"
            )


def block_index(project: Project) -> BlockIndex:
    """What block names mean in this project: plugins by name, mapping names, jobs."""
    merged = project.meltano
    plugins: dict[str, PluginType] = {}
    mappings: dict[str, str] = {}
    for plugin_type in PluginType:
        for entry in (merged.get("plugins") or {}).get(plugin_type.value) or []:
            plugins[str(entry["name"])] = plugin_type
            if plugin_type is PluginType.MAPPERS:
                for mapping in entry.get("mappings") or []:
                    if isinstance(mapping, Mapping) and mapping.get("name"):
                        mappings[str(mapping["name"])] = str(entry["name"])
    jobs = {job.name: _flat_or_empty(job.tasks) for job in list_jobs(project)}
    return BlockIndex(plugins=plugins, mappings=mappings, jobs=jobs)


def _flat_or_empty(tasks: Any) -> list[str]:
    try:
        return flatten_tasks(tasks)
    except BlockParseError:
        return []


def check_tasks(name: str, tasks: Tasks, index: BlockIndex) -> None:
    """Fail unless every task parses as `meltano run` arguments (jobs may not nest)."""
    check_shape(name, tasks)
    if name in index.plugins or name in index.mappings:
        raise InvalidTasksError(
            name,
            f"'{name}' is also the name of a plugin, so `meltano run {name}` would be ambiguous",
            "Pick a job name that no plugin or mapping uses",
        )
    plugins_only = BlockIndex(plugins=index.plugins, mappings=index.mappings)
    for task in tasks:
        arguments = flatten_tasks(task)
        for argument in arguments:
            if argument in index.jobs and argument not in index.plugins:
                raise InvalidTasksError(
                    name,
                    f"Task '{argument}' is a job, and jobs cannot contain other jobs",
                    f"Copy the tasks of job '{argument}' instead",
                )
        try:
            parse(arguments, plugins_only)
        except BlockParseError as error:
            raise InvalidTasksError(name, error.reason, error.instruction) from error


def list_jobs(project: Project) -> list[Job]:
    """All jobs, in file order (the root file first, then included files)."""
    return [
        Job(name=str(entry["name"]), tasks=entry.get("tasks"))
        for entry in project.meltano.get("jobs") or []
    ]


def job_retries(project: Project, arguments: Sequence[str]) -> int | None:
    """The `retries:` of the jobs named in `meltano run` arguments (the largest, if several
    jobs set one), or None when none of them does."""
    named = set(arguments)
    values = [
        int(entry["retries"])
        for entry in project.meltano.get("jobs") or []
        if entry.get("name") in named and entry.get("retries") is not None
    ]
    return max(values) if values else None


def find_job(project: Project, name: str) -> Job | None:
    """The job called `name`, or None."""
    return next((job for job in list_jobs(project) if job.name == name), None)


def add_job(project: Project, name: str, tasks: Tasks) -> Job:
    """Validate the tasks and append the job to the root file."""
    if find_job(project, name) is not None:
        raise JobExistsError(name)
    check_tasks(name, tasks, block_index(project))
    with project.edit() as files:
        if files.find("jobs", name) is not None:
            raise JobExistsError(name)
        data = files.root.data
        if not isinstance(data.get("jobs"), list):
            data["jobs"] = document.new_seq()
        entry = document.new_map()
        entry["name"] = name
        entry["tasks"] = _yaml_tasks(tasks)
        data["jobs"].append(entry)
    return Job(name, tasks)


def set_job(project: Project, name: str, tasks: Tasks) -> Job | None:
    """Replace the tasks of job `name` in the file that defines it; None if there is no such job."""
    if find_job(project, name) is None:
        return None
    check_tasks(name, tasks, block_index(project))
    with project.edit() as files:
        found = files.find("jobs", name)
        if found is None:
            return None
        found[1]["tasks"] = _yaml_tasks(tasks)
    return Job(name, tasks)


def remove_job(project: Project, name: str) -> None:
    """Delete job `name` from the file that defines it."""
    with project.edit() as files:
        if not files.remove("jobs", name):
            raise JobNotFoundError(name)


def _yaml_tasks(tasks: Tasks) -> Any:
    return document.new_seq(
        document.new_seq(task) if isinstance(task, list) else task for task in tasks
    )
