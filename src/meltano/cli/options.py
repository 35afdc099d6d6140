"""What the root group hands to commands: the `pass_project` decorator."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Concatenate, ParamSpec, TypeVar

import click
import structlog

from meltano.cli.root import CliState
from meltano.core.errors import ProjectNotFoundError
from meltano.core.project import environments
from meltano.core.project.project import Project
from meltano.core.telemetry.tracker import track_command

P = ParamSpec("P")
R = TypeVar("R")

#: Hands a command the `Project` that `pass_project` put on its context.
pass_loaded_project = click.make_pass_decorator(Project)


def load_project(
    state: CliState,
    command: str,
    *,
    environment_policy: environments.Policy = environments.Policy.NEVER,
    database_uri: str | None = None,
) -> Project:
    """Find, validate and activate the project for `command`."""

    root = state.project_root()
    if root is None:
        raise ProjectNotFoundError(command)
    project = (
        state.loaded
        if state.loaded is not None and state.loaded.root == root
        else Project(root, environ=state.environ, env_file_option=state.env_file)
    )
    project.files  # noqa: B018 - read and validate now, so errors surface before any work
    project.check_requires_meltano()
    project.ensure_sys_dir()
    project.database_uri_override = database_uri
    selection = environments.select(
        project, option=state.environment, no_environment=state.no_environment
    )
    log = structlog.get_logger("meltano")
    if (
        environment_policy in (environments.Policy.IGNORE_DEFAULT, environments.Policy.UNUSED)
        and selection.origin is environments.Origin.DEFAULT
        and selection.name
    ):
        notice = log.info if environment_policy is environments.Policy.IGNORE_DEFAULT else log.debug
        notice(
            "The default environment '%s' will be ignored for `meltano %s`. "
            "To use it, pass `--environment=%s`.",
            selection.name,
            command,
            selection.name,
        )
    selection = environments.apply_policy(selection, environment_policy)
    if selection.name is not None:
        environments.find(project, selection.name)
        project.environment = selection.name
        log.info("Environment '%s' is active", selection.name)
    return project


def pass_project(
    *,
    environment_policy: environments.Policy = environments.Policy.NEVER,
    database: bool = False,
) -> Callable[[Callable[Concatenate[Project, P], R]], Callable[P, R]]:
    """Decorate a command so it receives the activated project as its first argument."""

    def decorator(func: Callable[Concatenate[Project, P], R]) -> Callable[P, R]:
        passing = pass_loaded_project(func)

        @functools.wraps(func)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            ctx = click.get_current_context()
            state = ctx.find_object(CliState) or CliState(cwd=Path.cwd())
            database_uri = kwargs.pop("database_uri", None)
            command = ctx.command_path.split(" ", 1)[-1] if " " in ctx.command_path else ""
            project = load_project(
                state,
                command.split(" ")[0] or ctx.info_name or "",
                environment_policy=environment_policy,
                database_uri=database_uri if isinstance(database_uri, str) else None,
            )
            ctx.obj = project  # this command's context only: its parents keep the CliState

            parts = command.split(" ")
            given = [
                name
                for name, source in ((n, ctx.get_parameter_source(n)) for n in ctx.params)
                if source is click.core.ParameterSource.COMMANDLINE
            ]
            with track_command(
                project,
                parts[0] or ctx.info_name or "",
                sub_command=parts[1] if len(parts) > 1 else None,
                option_names=given,
            ):
                return passing(*args, **kwargs)

        if database:
            return click.option(
                "--database-uri", metavar="URI", help="System database URL for this invocation."
            )(wrapper)
        return wrapper

    return decorator
