"""`meltano compile`: write JSON manifests of the project, one per environment."""

from __future__ import annotations

from pathlib import Path

import click
import structlog

from meltano.cli.options import pass_project
from meltano.cli.root import CliState
from meltano.core.compile import lint as linting
from meltano.core.compile.manifest import CompileOptions, build, write
from meltano.core.project.environments import Policy, names
from meltano.core.project.project import Project


@click.command("compile")
@click.option(
    "--directory",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where manifests are written (default: .meltano/manifests).",
)
@click.option(
    "--indent",
    type=int,
    default=4,
    show_default=True,
    help="Spaces per level; 0 puts each value on its own line unindented; negative is compact.",
)
@click.option("--lint/--no-lint", default=False, help="Check input and output against the schema.")
@click.option("--safe/--unsafe", default=True, help="Redact secrets (the default) or keep them.")
@pass_project(environment_policy=Policy.IGNORE_DEFAULT)
def command(
    project: Project, *, directory: Path | None, indent: int, lint: bool, safe: bool
) -> None:
    """Write a manifest of the project per environment (beta).

    By default: one file for the project without any environment, plus one per
    environment. With --environment NAME: only NAME's file. With --no-environment: only
    the file without any environment.
    """

    state = click.get_current_context().find_object(CliState)
    environments: list[str | None]
    if project.environment is not None:
        environments = [project.environment]
    elif state is not None and state.no_environment:
        environments = [None]
    else:
        environments = [None, *names(project)]
    labels = ", ".join(name or "no environment" for name in environments)
    click.echo(f"Compiling Meltano manifest for environments: {labels}")
    options = CompileOptions(
        directory=(project.root / directory) if directory else project.sys_dir / "manifests",
        indent=None if indent < 0 else indent,
        safe=safe,
    )
    log = structlog.get_logger("meltano")
    if lint:
        for problem in linting.problems(project.meltano):
            log.warning("project does not match the schema", problem=problem)
    for environment in environments:
        path = write(project, environment, options)
        if lint:
            for problem in linting.problems(build(project, environment, safe=True)):
                log.warning("manifest does not match the schema", file=str(path), problem=problem)
        click.echo(f"Compiled {path}")
