"""Turn `meltano run` arguments into a plan of blocks, before anything starts.

A plan is a sequence of extract-load sets (extractor, mappers, loader) and command blocks
(any other plugin, optionally `plugin:command`). Everything here is pure: the caller hands in
what the project knows (`BlockIndex`), so the rules are tested without a project on disk.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from meltano.core.errors import MeltanoError, close_matches
from meltano.core.plugins.types import PluginType


class BlockParseError(MeltanoError):
    """The arguments of `meltano run` do not form a valid plan."""


@dataclass(frozen=True)
class BlockRef:
    """One resolved argument: a plugin (or a mapper's named mapping) and an optional command."""

    name: str
    plugin_type: PluginType
    command: str | None = None
    mapper: str | None = None  # for a mapping name: the mapper that defines it

    def __str__(self) -> str:
        return f"{self.name}:{self.command}" if self.command else self.name


@dataclass(frozen=True)
class ExtractLoad:
    """`extractor | mapper ... | loader`, run as one set of OS pipes.

    With `fan_out` (further loaders written right after the first), the output of the last
    mapper (or of the extractor) goes to every loader: one extraction, several loads."""

    extractor: BlockRef
    loader: BlockRef
    mappers: tuple[BlockRef, ...] = ()
    fan_out: tuple[BlockRef, ...] = ()

    @property
    def loaders(self) -> tuple[BlockRef, ...]:
        return (self.loader, *self.fan_out)

    @property
    def blocks(self) -> tuple[BlockRef, ...]:
        return (self.extractor, *self.mappers, *self.loaders)


@dataclass(frozen=True)
class CommandBlock:
    """A plugin run on its own: `dbt:run`, `my-utility`."""

    plugin: BlockRef


Block = ExtractLoad | CommandBlock


@dataclass(frozen=True)
class BlockIndex:
    """What names mean in this project: plugins by name, mapping names, jobs."""

    plugins: Mapping[str, PluginType]
    mappings: Mapping[str, str] = field(default_factory=dict)  # mapping name -> mapper name
    jobs: Mapping[str, Sequence[str]] = field(default_factory=dict)  # job -> flat block names


def flatten_tasks(tasks: Any) -> list[str]:
    """A job's `tasks` (string, list of strings, or lists of those) as one list of names."""
    if isinstance(tasks, str):
        return tasks.split()
    if isinstance(tasks, list):
        return [name for task in tasks for name in flatten_tasks(task)]
    raise BlockParseError(
        f"Job tasks must be strings or lists of strings, not {tasks!r}",
        "Write tasks like `tap-x target-y` or a list of such strings",
    )


def expand_jobs(arguments: Iterable[str], index: BlockIndex) -> list[str]:
    """Replace each job name by its tasks (one level: jobs do not contain jobs)."""
    expanded: list[str] = []
    for argument in arguments:
        name = argument.split(":", 1)[0]
        if argument in index.jobs:
            if name in index.plugins or name in index.mappings:
                raise BlockParseError(
                    f"Ambiguous reference to '{name}', which is both a job and a plugin",
                    "Rename the job or the plugin",
                )
            expanded.extend(index.jobs[argument])
        else:
            expanded.append(argument)
    return expanded


def resolve(argument: str, index: BlockIndex) -> BlockRef:
    """`name` or `name:command` to a BlockRef; unknown names are an error."""
    name, _, command = argument.partition(":")
    if name in index.plugins:
        return BlockRef(name, index.plugins[name], command or None)
    if name in index.mappings:
        mapper = index.mappings[name]
        if mapper == name:
            raise BlockParseError(
                f"Mapping '{name}' has the same name as its mapper",
                "Rename the mapping so it can be told apart from the mapper",
            )
        return BlockRef(name, PluginType.MAPPERS, command or None, mapper=mapper)
    known = sorted({*index.plugins, *index.mappings, *index.jobs})

    close = close_matches(name, known, n=3, cutoff=0.6)
    hint = (
        f"Did you mean {', '.join(close)}?"
        if close
        else ("List plugins with `meltano plugin list` and jobs with `meltano job list`")
    )
    raise BlockParseError(f"Block {argument} not found", hint)


def group(refs: Sequence[BlockRef]) -> tuple[Block, ...]:
    """Scan left to right: an extractor opens a set that mappers continue and a loader closes."""
    plan: list[Block] = []
    position = 0
    while position < len(refs):
        ref = refs[position]
        if ref.plugin_type is PluginType.EXTRACTORS:
            if ref.command:
                raise _violation(f"extractor '{ref}' cannot run a command inside a pipeline")
            mappers: list[BlockRef] = []
            position += 1
            while position < len(refs) and refs[position].plugin_type is PluginType.MAPPERS:
                mappers.append(refs[position])
                position += 1
            if position >= len(refs):
                raise _violation(f"the set starting at '{ref}' has no loader at its end")
            loader = refs[position]
            if loader.plugin_type is not PluginType.LOADERS:
                raise _violation(
                    f"after '{ref}', expected mappers or a loader, "
                    f"found {loader.plugin_type.singular} '{loader}'"
                )
            fan_out: list[BlockRef] = []
            while position + 1 < len(refs) and refs[position + 1].plugin_type is PluginType.LOADERS:
                position += 1
                fan_out.append(refs[position])
            _check_fan_out(ref, [loader, *fan_out], refs[position + 1 :])
            plan.append(ExtractLoad(ref, loader, tuple(mappers), tuple(fan_out)))
        elif ref.plugin_type in (PluginType.LOADERS, PluginType.MAPPERS):
            raise _violation(
                f"{ref.plugin_type.singular} '{ref}' at position {position + 1} "
                "is not preceded by an extractor"
            )
        else:
            plan.append(CommandBlock(ref))
        position += 1
    return tuple(plan)


def _check_fan_out(
    extractor: BlockRef, loaders: Sequence[BlockRef], rest: Sequence[BlockRef]
) -> None:
    """Reject what a fan-out cannot mean: a loader named twice, a command on one of its
    loaders, or `LOADER MAPPER LOADER` (a mapper of one branch, or of every later one?)."""
    names = [loader.name for loader in loaders]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise BlockParseError(
            f"Loader '{repeated[0]}' appears twice after '{extractor}'",
            "Name each loader of a fan-out once",
        )
    if len(loaders) > 1:
        with_command = [str(loader) for loader in loaders if loader.command]
        if with_command:
            raise _violation(f"loader '{with_command[0]}' cannot run a command inside a pipeline")
    after_mappers = next((ref for ref in rest if ref.plugin_type is not PluginType.MAPPERS), None)
    if (
        rest
        and rest[0].plugin_type is PluginType.MAPPERS
        and (after_mappers is not None and after_mappers.plugin_type is PluginType.LOADERS)
    ):
        raise BlockParseError(
            f"Mapper '{rest[0]}' follows loader '{loaders[-1]}': mappers of one branch of a "
            "fan-out are not supported",
            "Put mappers before the first loader (they then apply to every loader), or run "
            "the branch as a set of its own: `EXTRACTOR MAPPER LOADER`",
        )


def _violation(detail: str) -> BlockParseError:
    return BlockParseError(
        f"Block violates set requirements: {detail}",
        "Order blocks as `EXTRACTOR [MAPPER...] LOADER [LOADER...]` or `PLUGIN[:COMMAND]`",
    )


def parse(arguments: Sequence[str], index: BlockIndex) -> tuple[Block, ...]:
    """The whole pipeline: expand jobs, resolve names, group into blocks."""
    if not arguments:
        raise BlockParseError("No blocks given", "Pass blocks like `tap-x target-y` or a job name")
    return group([resolve(argument, index) for argument in expand_jobs(arguments, index)])
