"""`meltano el` and `elt`: one extractor into one loader, then (`elt`) the legacy transformer."""

from __future__ import annotations

import datetime
import enum
from dataclasses import dataclass
from pathlib import Path

import structlog

from meltano.core.blocks.parse import BlockRef, CommandBlock, ExtractLoad
from meltano.core.blocks.run_log import logs_dir
from meltano.core.blocks.runner import Runner, RunOptions
from meltano.core.catalog.select import runtime_filter
from meltano.core.errors import MeltanoError
from meltano.core.plugins import finder
from meltano.core.plugins.container_spec import container_spec_of, runs_in_container
from meltano.core.plugins.installer import ensure_installed
from meltano.core.plugins.invocation import config_text, executable_path
from meltano.core.plugins.project_plugin import ProjectPlugin, project_plugins
from meltano.core.plugins.types import PluginType
from meltano.core.project.project import Project
from meltano.core.runs.progress import Progress
from meltano.core.state.recorder import Strategy

log = structlog.get_logger("meltano")


class Dump(enum.Enum):
    """`el --dump`: a file the pipeline's extractor or loader would get, printed instead."""

    CATALOG = "catalog"
    STATE = "state"
    EXTRACTOR_CONFIG = "extractor-config"
    LOADER_CONFIG = "loader-config"


@dataclass(frozen=True)
class ElRequest:
    """What `meltano el` (or `elt`) was asked to do."""

    extractor: str
    loader: str
    state_id: str | None = None  # None: an ephemeral one, so the next run does not resume
    full_refresh: bool = False
    refresh_catalog: bool = False
    select: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    catalog: Path | None = None
    state: Path | None = None
    dump: Dump | None = None
    force: bool = False
    strategy: Strategy = Strategy.AUTO
    run_id: str | None = None
    dry: bool = False
    install_mode: str | None = None
    containers: bool = False  # `--containers`: plugins with a container_spec run in their image
    transform: str = "skip"  # `elt --transform`: skip, only or run


def run_el(project: Project, request: ElRequest, *, progress: Progress | None = None) -> str | None:
    """Run the pair (and the transformer); with `dump`, return the file's text instead.
    `progress` is what the live view and the end-of-run summary read, as for `run`."""
    tap = finder.find(project, request.extractor, command="el", plugin_type=PluginType.EXTRACTORS)
    target = finder.find(project, request.loader, command="el", plugin_type=PluginType.LOADERS)
    state_id = request.state_id
    if not state_id:
        state_id = ephemeral_state_id(request.extractor, request.loader)
        log.warning(
            "no --state-id given: using an ephemeral state ID, so the next run will "
            "not resume from this one",
            state_id=state_id,
        )
    options = RunOptions(
        full_refresh=request.full_refresh,
        force=request.force,
        strategy=request.strategy,
        state_id=state_id,
        run_id=request.run_id,
        refresh_catalog=request.refresh_catalog,
        trigger=project.environ.get("MELTANO_JOB_TRIGGER") or "cli",
        catalog_file=request.catalog,
        state_file=request.state,
        select_filter=tuple(runtime_filter(request.select, request.exclude)),
        always_record=True,
        containers=request.containers,
    )
    block = ExtractLoad(
        BlockRef(tap.name, PluginType.EXTRACTORS), BlockRef(target.name, PluginType.LOADERS)
    )
    containers = request.containers
    in_venvs = [p for p in (tap, target) if not runs_in_container(p, None, containers=containers)]
    if not ensure_installed(project, in_venvs, mode=request.install_mode):
        return None
    runner = Runner(project, options, progress=progress)
    if request.dry:

        def where(plugin: ProjectPlugin) -> str:
            spec = container_spec_of(plugin, None) if containers else None
            return f"{spec.image} (container)" if spec else executable_path(project, plugin)

        log.info("dry run", extractor=where(tap), loader=where(target))
        return None
    if request.dump is not None:
        return dump_file(runner, block, request.dump)
    if request.transform != "only":
        log.info("running extract & load", state_id=state_id)
        try:
            runner.run_extract_load(block)
        except MeltanoError as error:
            raise MeltanoError(
                f"ELT could not be completed: {error.reason}",
                f"{error.instruction or ''} Run logs are under {logs_dir(project.sys_dir)}".strip(),
            ) from error
        log.info("extract & load complete", state_id=state_id)
    if request.transform == "skip":
        log.info("transformation skipped")
        return None
    run_transformer(runner, project)
    return None


def ephemeral_state_id(extractor: str, loader: str) -> str:
    """A state ID no later run will find: `<UTC time>--<extractor>--<loader>`."""
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H%M%S")
    return f"{now}--{extractor}--{loader}"


def dump_file(runner: Runner, block: ExtractLoad, what: Dump) -> str:
    """The text of the config, catalog or state file the pipeline would run with."""
    with runner.prepared(block, run_id="dump") as invocations:
        tap, target = invocations[0], invocations[-1]
        if what is Dump.EXTRACTOR_CONFIG:
            return config_text(tap.settings)
        if what is Dump.LOADER_CONFIG:
            return config_text(target.settings)
        flag = ("--catalog", "--properties") if what is Dump.CATALOG else ("--state",)
        argv = tap.argv
        paths = [argv[i + 1] for i, arg in enumerate(argv[:-1]) if arg in flag]
        if not paths:
            raise MeltanoError(
                f"Could not find {what.value} file for this pipeline",
                "The extractor may not support it (check its capabilities)",
            )
        return Path(paths[0]).read_text()


def run_transformer(runner: Runner, project: Project) -> None:
    """`elt --transform`: the project's first dbt transformer's clean, deps and run."""
    transformers = [p for p in project_plugins(project) if p.type is PluginType.TRANSFORMERS]
    if not transformers:
        raise MeltanoError(
            "--transform needs a dbt transformer in the project",
            "Add one with `meltano add --plugin-type transformer dbt`, or use "
            "`meltano run` with a dbt utility",
        )
    dbt = transformers[0]
    for command in ("clean", "deps", "run"):
        if command in dbt.commands:
            runner.run_command_block(CommandBlock(BlockRef(dbt.name, dbt.type, command)))
