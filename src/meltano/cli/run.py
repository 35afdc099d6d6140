"""`meltano run BLOCK...`."""

from __future__ import annotations

import time

import click
import structlog

from meltano.cli.install_switch import containers_switch, install_switch
from meltano.cli.options import pass_project
from meltano.cli.run_options import (
    parallel_options,
    resolve_strategy,
    retry_options,
    run_id,
    strategy_option,
)
from meltano.cli.run_output import progress_options, reported
from meltano.core.blocks.parallel import run_in_parallel
from meltano.core.blocks.parse import ExtractLoad, parse
from meltano.core.blocks.retry import policy_for
from meltano.core.blocks.runner import Runner, RunOptions
from meltano.core.errors import MeltanoError
from meltano.core.plugins import finder
from meltano.core.plugins.container_spec import runs_in_container
from meltano.core.plugins.installer import ensure_installed
from meltano.core.project.environments import Policy
from meltano.core.project.project import Project
from meltano.core.runs.progress import Progress
from meltano.core.schedules.jobs import block_index, job_retries


@click.command("run")
@click.argument("blocks", nargs=-1)
@click.option("--dry-run", is_flag=True, help="Check the blocks and show what would run.")
@click.option(
    "--full-refresh",
    is_flag=True,
    envvar="MELTANO_RUN_FULL_REFRESH",
    help="Ignore stored state (and the cached catalog).",
)
@click.option(
    "--full-refresh-stream",
    "full_refresh_streams",
    metavar="STREAM",
    multiple=True,
    envvar="MELTANO_RUN_FULL_REFRESH_STREAM",
    help="Ignore the stored bookmark of this stream only (repeatable); keep the others.",
)
@click.option(
    "--refresh-catalog",
    is_flag=True,
    envvar="MELTANO_RUN_REFRESH_CATALOG",
    help="Ignore the cached catalog.",
)
@click.option(
    "--no-state-update",
    is_flag=True,
    envvar="MELTANO_RUN_NO_STATE_UPDATE",
    help="Read state but do not store any.",
)
@click.option(
    "--force",
    "-f",
    is_flag=True,
    envvar="MELTANO_RUN_FORCE",
    help="Run even if a run with the same state ID is recorded as running.",
)
@click.option(
    "--state-id-suffix",
    envvar="MELTANO_RUN_STATE_ID_SUFFIX",
    help="Append :SUFFIX to the state IDs of this run.",
)
@strategy_option
@click.option("--run-id", envvar="MELTANO_RUN_ID", callback=run_id, help="Run ID to record.")
@click.option(
    "--timeout",
    type=click.IntRange(min=1),
    envvar="MELTANO_RUN_TIMEOUT",
    help="Stop the run after this many seconds.",
)
@parallel_options
@retry_options
@progress_options
@install_switch
@containers_switch
@pass_project(environment_policy=Policy.REQUIRED, database=True)
def command(
    project: Project,
    blocks: tuple[str, ...],
    *,
    dry_run: bool,
    full_refresh: bool,
    full_refresh_streams: tuple[str, ...],
    refresh_catalog: bool,
    no_state_update: bool,
    force: bool,
    state_id_suffix: str | None,
    state_strategy: str | None,
    merge_state: bool,
    run_id: str | None,
    timeout: int | None,
    install_mode: str | None,
    containers: bool,
    parallel: int | None,
    fail_fast: bool,
    retries: int | None,
    retry_delay: float | None,
    summary_format: str,
    progress_interval: float,
) -> None:
    """Run blocks: EXTRACTOR [MAPPER...] LOADER sets, PLUGIN[:COMMAND] blocks and jobs."""

    log = structlog.get_logger("meltano")
    if full_refresh and full_refresh_streams:
        raise click.UsageError(
            "--full-refresh already ignores every stream's bookmark: drop --full-refresh-stream"
        )
    if not blocks:
        log.info("no valid blocks found")
        return
    plan = parse(blocks, block_index(project))
    options = RunOptions(
        dry_run=dry_run,
        full_refresh=full_refresh,
        full_refresh_streams=full_refresh_streams,
        no_state_update=no_state_update,
        force=force,
        strategy=resolve_strategy(state_strategy, merge_state),
        state_id_suffix=state_id_suffix,
        run_id=run_id,
        timeout=timeout,
        refresh_catalog=refresh_catalog,
        trigger=project.environ.get("MELTANO_JOB_TRIGGER") or "cli",
        containers=containers,
        retry=policy_for(
            project,
            retries=retries,
            delay=retry_delay,
            job_retries=job_retries(project, blocks),
        ),
    )
    if fail_fast and parallel is None:
        raise click.UsageError("--fail-fast needs --parallel N")
    if not dry_run:
        refs = [
            ref
            for block in plan
            for ref in (block.blocks if isinstance(block, ExtractLoad) else [block.plugin])
        ]
        plugins = {
            ref.mapper or ref.name: found
            for ref in refs
            if not runs_in_container(
                found := finder.find(project, ref.mapper or ref.name, command="run"),
                ref.command,
                containers=containers,
            )
        }
        try:
            if not ensure_installed(project, list(plugins.values()), mode=install_mode):
                return
        except MeltanoError as error:
            Runner(project, options).record_not_started(plan, error)
            raise
    started = time.monotonic()
    progress = Progress()
    with reported(progress, summary_format=summary_format, interval=progress_interval):
        try:
            if parallel is None:
                Runner(project, options, progress=progress).run(plan)
            else:
                run_in_parallel(
                    project, options, plan, limit=parallel, fail_fast=fail_fast, progress=progress
                )
        except BaseException:
            log.error("run failed", duration_seconds=round(time.monotonic() - started, 3))
            raise
        log.info(
            "run completed",
            duration_seconds=round(time.monotonic() - started, 3),
            status="success",
        )
