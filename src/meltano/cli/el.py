"""`meltano el EXTRACTOR LOADER` and the deprecated `meltano elt`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click
import structlog

from meltano.cli.install_switch import containers_switch, install_switch
from meltano.cli.options import pass_project
from meltano.cli.run_options import FC, resolve_strategy, run_id, strategy_option
from meltano.cli.run_output import progress_options, reported
from meltano.core.blocks.extract_load import Dump, ElRequest, run_el
from meltano.core.project.environments import Policy
from meltano.core.project.project import Project
from meltano.core.runs.progress import Progress

if TYPE_CHECKING:
    from typing import TypedDict

    from typing_extensions import Unpack  # typing.Unpack is 3.11+; only mypy reads this

    class ElOptions(TypedDict):
        """What `el_options` parses."""

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
        summary_format: str
        progress_interval: float

    class EltOptions(ElOptions):
        """`elt` adds `--transform`."""

        transform: str


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
            type=click.Choice([d.value for d in Dump]),
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
        progress_options,
    ]
    for decorator in reversed(decorators):
        func = decorator(func)
    return func


def _request(options: ElOptions, *, transform: str = "skip") -> ElRequest:
    return ElRequest(
        extractor=options["extractor"],
        loader=options["loader"],
        state_id=options["state_id"],
        full_refresh=options["full_refresh"],
        refresh_catalog=options["refresh_catalog"],
        select=options["select"],
        exclude=options["exclude"],
        catalog=options["catalog"],
        state=options["state"],
        dump=Dump(options["dump"]) if options["dump"] else None,
        force=options["force"],
        strategy=resolve_strategy(options["state_strategy"], options["merge_state"]),
        run_id=options["run_id"],
        dry=options["dry"],
        install_mode=options["install_mode"],
        containers=options["containers"],
        transform=transform,
    )


def _run(project: Project, request: ElRequest, options: ElOptions) -> None:
    if request.dump is not None or request.dry:  # prints a file, or nothing runs
        text = run_el(project, request)
        if text is not None:
            click.echo(text)
        return
    progress = Progress()
    with reported(
        progress,
        summary_format=options["summary_format"],
        interval=options["progress_interval"],
    ):
        run_el(project, request, progress=progress)


@click.command("el")
@el_options
@pass_project(environment_policy=Policy.USE_DEFAULT, database=True)
def command(project: Project, /, **options: Unpack[ElOptions]) -> None:
    """Extract with EXTRACTOR and load with LOADER, with state under --state-id."""
    _run(project, _request(options), options)


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
    _run(project, _request(options, transform=options["transform"]), options)
