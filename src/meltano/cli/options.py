"""What the root group hands to commands, and the `pass_project` decorator."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import click

from meltano import __version__
from meltano.core.errors import MeltanoError, ProjectNotFoundError

P = ParamSpec("P")
R = TypeVar("R")


class CliState:
    """Global options, and the project once a command asks for it.

    A plain class rather than a dataclass: `dataclasses` costs 20 ms of every `--help`.
    """

    def __init__(
        self,
        cwd: Path,
        environment: str | None = None,
        no_environment: bool = False,
        env_file: Path | None = None,
        environ: dict[str, str] | None = None,
    ) -> None:
        self.cwd = cwd
        self.environment = environment
        self.no_environment = no_environment
        self.env_file = env_file
        self.environ = dict(os.environ) if environ is None else environ
        self.loaded: Any = None  # the Project read while setting up logging, reused later

    def project_root(self) -> Path | None:
        from meltano.core.project.project import find_root

        return find_root(self.cwd, self.environ)

    def setup_logging(
        self, *, level: str | None, log_format: str | None, config_file: str | None
    ) -> None:
        """Flags win over MELTANO_CLI_* variables, which win over the project's `cli:` section."""
        import platform

        from meltano.core import logging as meltano_logging

        project_cli = self._project_cli_settings()

        def pick(flag: str | None, name: str, default: str) -> str:
            if flag:
                return flag
            value = self.environ.get(f"MELTANO_CLI_{name.upper()}") or project_cli.get(name)
            return str(value) if value else default

        settings = meltano_logging.LogSettings(
            level=pick(level, "log_level", meltano_logging.DEFAULT_LEVEL).lower(),
            format=pick(log_format, "log_format", meltano_logging.DEFAULT_FORMAT)
            .lower()
            .replace("-", "_"),
            config_file=pick(config_file, "log_config", meltano_logging.DEFAULT_CONFIG_FILE),
        )
        meltano_logging.setup_logging(settings, cwd=self.cwd)
        import structlog

        structlog.get_logger("meltano").info(
            "Meltano %s, Python %s, %s (%s)",
            __version__,
            platform.python_version(),
            platform.system(),
            platform.machine(),
        )

    def _project_cli_settings(self) -> dict[str, Any]:
        """The `cli:` section of meltano.yml, if a readable project is here; else nothing."""
        try:
            root = self.project_root()
            if root is None:
                return {}
            from meltano.core.project.project import Project

            project = Project(root, environ=self.environ, env_file_option=self.env_file)
            section = project.files.root.data.get("cli")
            self.loaded = project  # read once: the command reuses it

        except MeltanoError:
            return {}  # the command itself reports a broken project
        return dict(section) if isinstance(section, dict) else {}


def load_project(
    state: CliState,
    command: str,
    *,
    environment_policy: Any = None,
    database_uri: str | None = None,
) -> Any:
    """Find, validate and activate the project for `command`."""
    import structlog

    from meltano.core.project import environments
    from meltano.core.project.project import Project

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
    policy = environment_policy or environments.Policy.NEVER
    selection = environments.select(
        project, option=state.environment, no_environment=state.no_environment
    )
    log = structlog.get_logger("meltano")
    if (
        policy is environments.Policy.IGNORE_DEFAULT
        and selection.origin is environments.Origin.DEFAULT
        and selection.name
    ):
        log.info(
            "The default environment '%s' will be ignored for `meltano %s`. "
            "To use it, pass `--environment=%s`.",
            selection.name,
            command,
            selection.name,
        )
    selection = environments.apply_policy(selection, policy)
    if selection.name is not None:
        environments.find(project, selection.name)
        project.environment = selection.name
        log.info("Environment '%s' is active", selection.name)
    return project


def pass_project(
    *, environment_policy: Any = None, database: bool = False
) -> Callable[[Callable[..., R]], Callable[..., R]]:
    """Decorate a command so it receives the activated project as its first argument."""

    def decorator(func: Callable[..., R]) -> Callable[..., R]:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> R:
            ctx = click.get_current_context()
            state: CliState = ctx.find_object(CliState) or CliState(cwd=Path.cwd())
            database_uri = kwargs.pop("database_uri", None)
            command = ctx.command_path.split(" ", 1)[-1] if " " in ctx.command_path else ""
            project = load_project(
                state,
                command.split(" ")[0] or ctx.info_name or "",
                environment_policy=environment_policy,
                database_uri=database_uri,
            )
            from meltano.core.telemetry.tracker import track_command

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
                return func(project, *args, **kwargs)

        if database:
            wrapper = click.option(
                "--database-uri", metavar="URI", help="System database URL for this invocation."
            )(wrapper)
        return wrapper

    return decorator
