"""`meltano el EXTRACTOR LOADER` and the deprecated `meltano elt`."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click
import structlog

from meltano.cli.install_switch import containers_switch, install_switch
from meltano.cli.options import pass_project
from meltano.cli.run_options import FC, resolve_strategy, run_id, strategy_option
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
from meltano.core.project.environments import Policy
from meltano.core.project.project import Project

if TYPE_CHECKING:
    from typing import TypedDict

    from typing_extensions import Unpack  # typing.Unpack is 3.11+; only mypy reads this

    class ElOptions(TypedDict):
        """What `el_options` parses: the keyword arguments of `run_el`."""

        extractor: str
        loader: str
        state_id: str | None
        full_refresh: bool
        refresh_catalog: bool
        select: tuple[str, ...]
        exclude: tuple[str, ...]
        catalog: Path | None
        state: Path | None
        dump: str | None
        force: bool
        state_strategy: str | None
        merge_state: bool
        run_id: str | None
        dry: bool
        install_mode: str | None
        containers: bool

    class EltOptions(ElOptions):
        """`elt` adds `--transform`."""

        transform: str


DUMPS = ("catalog", "state", "extractor-config", "loader-config")


def el_options(func: FC) -> FC:
    """The options `el` and `elt` share."""
    decorators: list[Callable[[FC], FC]] = [
        click.argument("extractor"),
        click.argument("loader"),
        click.option(
            "--state-id",
            envvar="MELTANO_STATE_ID",
            help="State ID (default: a new ephemeral one; state is then not reused).",
        ),
        click.option(
            "--full-refresh",
            is_flag=True,
            envvar="MELTANO_RUN_FULL_REFRESH",
            help="Ignore stored state.",
        ),
        click.option("--refresh-catalog", is_flag=True, help="Rerun catalog discovery."),
        click.option(
            "--select",
            "-s",
            "select",
            multiple=True,
            metavar="PATTERN",
            help="Extract only these streams (repeatable).",
        ),
        click.option(
            "--exclude",
            "-e",
            "exclude",
            multiple=True,
            metavar="PATTERN",
            help="Do not extract these streams (repeatable).",
        ),
        click.option(
            "--catalog",
            "catalog",
            type=click.Path(path_type=Path),
            help="Use this catalog file (no discovery, no select rules).",
        ),
        click.option(
            "--state",
            "state",
            type=click.Path(path_type=Path),
            help="Use this file as the extractor's input state.",
        ),
        click.option(
            "--dump",
            type=click.Choice(DUMPS),
            help="Print a generated file of the pipeline and exit.",
        ),
        click.option(
            "--force",
            "-f",
            is_flag=True,
            help="Run even if a run with the same state ID is recorded as running.",
        ),
        strategy_option,
        click.option(
            "--run-id", envvar="MELTANO_RUN_ID", callback=run_id, help="Run ID to record."
        ),
        click.option("--dry", is_flag=True, help="Show what would run; run nothing."),
        install_switch,
        containers_switch,
    ]
    for decorator in reversed(decorators):
        func = decorator(func)
    return func


def _ephemeral_state_id(extractor: str, loader: str) -> str:
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H%M%S")
    return f"{now}--{extractor}--{loader}"


def run_el(
    project: Project,
    *,
    extractor: str,
    loader: str,
    state_id: str | None,
    full_refresh: bool,
    refresh_catalog: bool,
    select: tuple[str, ...],
    exclude: tuple[str, ...],
    catalog: Path | None,
    state: Path | None,
    dump: str | None,
    force: bool,
    state_strategy: str | None,
    merge_state: bool,
    run_id: str | None,
    dry: bool,
    install_mode: str | None,
    containers: bool = False,
    transform: str = "skip",
) -> None:
    """The body of `el` and `elt`."""

    log = structlog.get_logger("meltano")
    tap = finder.find(project, extractor, command="el", plugin_type=PluginType.EXTRACTORS)
    target = finder.find(project, loader, command="el", plugin_type=PluginType.LOADERS)
    if not state_id:
        state_id = _ephemeral_state_id(extractor, loader)
        log.warning(
            "no --state-id given: using an ephemeral state ID, so the next run will "
            "not resume from this one",
            state_id=state_id,
        )
    options = RunOptions(
        full_refresh=full_refresh,
        force=force,
        strategy=resolve_strategy(state_strategy, merge_state),
        state_id=state_id,
        run_id=run_id,
        refresh_catalog=refresh_catalog,
        trigger=project.environ.get("MELTANO_JOB_TRIGGER") or "cli",
        catalog_file=catalog,
        state_file=state,
        select_filter=tuple(runtime_filter(select, exclude)),
        always_record=True,
        containers=containers,
    )
    block = ExtractLoad(
        BlockRef(tap.name, PluginType.EXTRACTORS), BlockRef(target.name, PluginType.LOADERS)
    )
    in_venvs = [p for p in (tap, target) if not runs_in_container(p, None, containers=containers)]
    if not ensure_installed(project, in_venvs, mode=install_mode):
        return
    runner = Runner(project, options)
    if dry:

        def where(plugin: ProjectPlugin) -> str:
            spec = container_spec_of(plugin, None) if containers else None
            return f"{spec.image} (container)" if spec else executable_path(project, plugin)

        log.info("dry run", extractor=where(tap), loader=where(target))
        return
    if dump:
        _dump(runner, block, dump)
        return
    if transform != "only":
        log.info("running extract & load", state_id=state_id)
        try:
            runner.run_extract_load(block)
        except MeltanoError as error:
            raise MeltanoError(
                f"ELT could not be completed: {error.reason}",
                f"{error.instruction or ''} Run logs are under {logs_dir(project.sys_dir)}".strip(),
            ) from error
        log.info("extract & load complete", state_id=state_id)
    if transform == "skip":
        log.info("transformation skipped")
        return
    _transform(runner, project)


def _dump(runner: Runner, block: ExtractLoad, what: str) -> None:
    with runner.prepared(block, run_id="dump") as invocations:
        tap, target = invocations[0], invocations[-1]
        if what == "extractor-config":
            click.echo(config_text(tap.settings))
        elif what == "loader-config":
            click.echo(config_text(target.settings))
        else:
            flag = {"catalog": ("--catalog", "--properties"), "state": ("--state",)}[what]
            argv = tap.argv
            paths = [argv[i + 1] for i, arg in enumerate(argv[:-1]) if arg in flag]
            if not paths:
                raise MeltanoError(
                    f"Could not find {what} file for this pipeline",
                    "The extractor may not support it (check its capabilities)",
                )
            click.echo(Path(paths[0]).read_text())


def _transform(runner: Runner, project: Project) -> None:
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


@click.command("el")
@el_options
@pass_project(environment_policy=Policy.USE_DEFAULT, database=True)
def command(project: Project, /, **options: Unpack[ElOptions]) -> None:
    """Extract with EXTRACTOR and load with LOADER, with state under --state-id."""
    run_el(project, **options)


@click.command("elt")
@el_options
@click.option(
    "--transform",
    type=click.Choice(["skip", "only", "run"]),
    default="skip",
    help="Run the legacy dbt transformer after loading.",
)
@pass_project(environment_policy=Policy.USE_DEFAULT, database=True)
def elt_command(project: Project, /, **options: Unpack[EltOptions]) -> None:
    """Deprecated: use `meltano el` (or `meltano run`)."""

    structlog.get_logger("meltano").warning("the elt command is deprecated in favor of el")
    if options.get("transform") != "skip":
        structlog.get_logger("meltano").warning(
            "--transform is deprecated; run dbt with `meltano run` instead"
        )
    run_el(project, **options)
