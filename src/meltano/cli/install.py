"""`meltano install [PLUGIN...]`."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING

import click
import structlog

from meltano.cli.options import pass_project
from meltano.core.blocks.parse import ExtractLoad, flatten_tasks, parse
from meltano.core.errors import MeltanoError
from meltano.core.plugins import finder
from meltano.core.plugins.installer import install_plugins
from meltano.core.plugins.types import PluginType
from meltano.core.project.project import Project
from meltano.core.schedules.jobs import block_index, find_job
from meltano.core.schedules.schedules import JobSchedule, find_schedule
from meltano.core.venvs.install import InstallStatus

if TYPE_CHECKING:
    from rich.console import Console


@click.command("install")
@click.argument("plugin_names", nargs=-1, metavar="[PLUGIN]...")
@click.option("--plugin-type", help="Only plugins of this type.")
@click.option("--clean", is_flag=True, help="Recreate each venv from scratch.")
@click.option(
    "--parallelism",
    "-p",
    type=int,
    default=None,
    help="How many plugins to install at once (default: CPU count; < 1: no limit).",
)
@click.option(
    "--schedule",
    "-s",
    "schedule_name",
    metavar="NAME",
    help="Only the plugins that schedule NAME runs.",
)
@click.option(
    "--force",
    "-f",
    is_flag=True,
    help="Ignore Requires-Python of packages (virtualenv backend only).",
)
@pass_project(database=True)
def command(
    project: Project,
    plugin_names: tuple[str, ...],
    *,
    plugin_type: str | None,
    clean: bool,
    parallelism: int | None,
    force: bool,
    schedule_name: str | None,
) -> None:
    """Install the project's plugins, each into its own virtual environment."""

    if schedule_name:
        plugin_names = (*plugin_names, *_schedule_plugins(project, schedule_name))

    log = structlog.get_logger("meltano")
    wanted_type = PluginType.parse(plugin_type) if plugin_type else None
    plugins = [
        plugin
        for plugin in finder.find_all(project, command="install")
        if (wanted_type is None or plugin.type is wanted_type)
        and (not plugin_names or plugin.name in plugin_names)
    ]
    log.info("installing plugins", count=len(plugins))
    with _progress(len(plugins)):
        results = install_plugins(
            project,
            plugins,
            clean=clean,
            force=force,
            parallelism=parallelism if parallelism is not None else os.cpu_count(),
        )
    if sys.stderr.isatty():
        for result in results:
            mark = {"installed": "[green]✓", "skipped": "[dim]-", "failed": "[red]✗"}
            _console().print(
                f"{mark[result.status.value]} {result.plugin.type.singular} "
                f"{result.plugin.name}[/] {result.reason}".rstrip()
            )
    installed = sum(r.status is InstallStatus.INSTALLED for r in results)
    skipped = sum(r.status is InstallStatus.SKIPPED for r in results)
    failed = [r for r in results if r.status is InstallStatus.FAILED]
    log.info(
        "installation finished",
        installed=f"{installed}/{len(results)}",
        skipped=f"{skipped}/{len(results)}",
        failed=f"{len(failed)}/{len(results)}",
    )
    if failed:
        first = failed[0].error
        raise MeltanoError(
            f"Failed to install {len(failed)} of {len(results)} plugins: "
            + ", ".join(r.plugin.name for r in failed),
            first.instruction if first is not None else "Rerun with --log-level=debug",
        )


def _schedule_plugins(project: Project, name: str) -> list[str]:
    """Names of the plugins a schedule runs (mappings resolved to their mapper)."""

    schedule = find_schedule(project, name)
    if not isinstance(schedule, JobSchedule):
        return [str(schedule.extractor), str(schedule.loader)]
    job = find_job(project, schedule.job)
    if job is None:
        raise MeltanoError(
            f"Schedule '{name}' runs job '{schedule.job}', which does not exist",
            "Add the job with `meltano job add`",
        )

    plan = parse(flatten_tasks(job.tasks), block_index(project))
    refs = [
        ref
        for block in plan
        for ref in (block.blocks if isinstance(block, ExtractLoad) else [block.plugin])
    ]
    return [ref.mapper or ref.name for ref in refs]


def _console() -> Console:
    from rich.console import Console

    return Console(stderr=True)


@contextlib.contextmanager
def _progress(count: int) -> Iterator[None]:
    """A spinner on a terminal while plugins install; nothing when output is redirected."""
    if not sys.stderr.isatty() or count == 0:
        yield
        return
    with _console().status(f"Installing {count} plugin{'s' if count != 1 else ''}..."):
        yield
