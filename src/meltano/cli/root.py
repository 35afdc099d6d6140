"""The root `meltano` group: global options, lazy subcommands, and error conversion."""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import click

from meltano import VERSION_TEXT, __version__
from meltano.core.errors import ExitCode, MeltanoError, cannot_write, is_storage_error

if TYPE_CHECKING:
    from meltano.core.project.project import Project

# name -> (module, short help). Modules are imported only when their command runs, so
# `meltano --help` and `meltano --version` never import SQLAlchemy, Alembic or rich.
COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("meltano.cli.init", "Create a new Meltano project."),
    "environment": ("meltano.cli.environment", "Manage environments."),
    "hub": ("meltano.cli.hub", "Browse Meltano Hub and check the connection to it."),
    "config": ("meltano.cli.config", "Show and change plugin and Meltano settings."),
    "state": ("meltano.cli.state", "Manage Singer state for pipelines."),
    "upgrade": ("meltano.cli.upgrade", "Upgrade bundled files and the system database."),
    "logs": ("meltano.cli.logs", "Show run history and run log files."),
    "job": ("meltano.cli.job", "Manage jobs: named task lists for `meltano run`."),
    "schedule": ("meltano.cli.schedule", "Manage schedules for jobs and extractor/loader pairs."),
    "dragon": ("meltano.cli.dragon", "Print an ASCII dragon."),
    "docs": ("meltano.cli.docs", "Open the Meltano documentation in a browser."),
    "plugin": ("meltano.cli.plugin", "List the project's plugins."),
    "invoke": ("meltano.cli.invoke", "Run a plugin with its configuration."),
    "install": ("meltano.cli.install", "Install the project's plugins."),
    "remove": ("meltano.cli.remove", "Remove plugins from the project."),
    "add": ("meltano.cli.add", "Add plugins to the project."),
    "lock": ("meltano.cli.lock", "Write lock files of plugin definitions from the Hub."),
    "compile": ("meltano.cli.compile", "Write JSON manifests of the project (beta)."),
    "test": ("meltano.cli.test_command", "Run the test commands of plugins."),
    "run": ("meltano.cli.run", "Run pipelines: extractors into loaders, and plugin commands."),
    "el": ("meltano.cli.el", "Extract and load with one extractor and one loader."),
    "elt": ("meltano.cli.elt", "Deprecated: use `meltano el` or `meltano run`."),
    "select": ("meltano.cli.select", "Choose the streams and properties an extractor extracts."),
    "schema": ("meltano.cli.schema", "Create a schema in a PostgreSQL system database."),
}


class CliState:
    """Global options, and the project once a command asks for it.

    A plain class rather than a dataclass, and everything it uses imported when it runs:
    `dataclasses` alone costs 20 ms. Needed by the benchmark's "cold start" row (`--help`
    before the help cache exists, and every command's start-up).
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
        self.loaded: Project | None = None  # read while setting up logging, reused later
        self.log_format = "colored"  # as set up: the live view and the summary follow it

    def project_root(self) -> Path | None:
        from meltano.core.project.project import find_root

        return find_root(self.cwd, self.environ)

    def setup_logging(
        self, *, level: str | None, log_format: str | None, config_file: str | None
    ) -> None:
        """Configure logging: the `--log-*` flags, else the `cli.log_*` settings."""
        import logging
        import platform

        import structlog

        from meltano.core import logging as meltano_logging
        from meltano.core.settings.project_settings import log_settings

        flags = {"level": level, "log_format": log_format, "config_file": config_file}
        project = self._read_project()
        logging.disable(logging.WARNING)  # `.env` warnings wait until logging is set up
        try:
            settings = log_settings(project, self.environ, **flags)
        except MeltanoError:  # e.g. an unreadable `.env`: the command itself reports it
            settings = log_settings(None, self.environ, **flags)
        finally:
            logging.disable(logging.NOTSET)
        meltano_logging.setup_logging(settings, cwd=self.cwd)
        self.log_format = settings.format
        if project is not None:
            project.refresh(files=False)  # the command reads `.env` again, and warns now
        structlog.get_logger("meltano").info(
            "Meltano %s, Python %s, %s (%s)",
            __version__,
            platform.python_version(),
            platform.system(),
            platform.machine(),
        )

    def _read_project(self) -> Project | None:
        """The project here, if a readable one is found (kept: the command reuses it)."""
        from meltano.core.project.project import Project

        try:
            root = self.project_root()
            if root is None:
                return None
            project = Project(root, environ=self.environ, env_file_option=self.env_file)
            project.files  # noqa: B018 - read now: a broken project is the command's to report
        except MeltanoError:
            return None
        self.loaded = project
        return project


LOG_LEVELS = ("debug", "info", "warning", "error", "critical", "disabled")
LOG_FORMATS = ("colored", "uncolored", "json", "key-value", "plain")


def _import_structlog_without_rich() -> None:
    """Import structlog while hiding rich, before any command module needs it.

    structlog would load rich's pretty-printer and traceback modules (about 0.2 s) for features
    we do not use; commands that render tables still import rich normally afterwards. Needed by
    the benchmark's start-up rows: "cold start" (`config list`, `schedule list`) and the
    start-up intercept of "orchestrator CPU" for `run` and `el`.
    """
    if "structlog" in sys.modules or "rich" in sys.modules:
        return
    sys.modules["rich"] = None  # type: ignore[assignment]  # makes `import rich` fail fast
    try:
        import structlog.stdlib  # noqa: F401
    finally:
        del sys.modules["rich"]


def _normalize_token(token: str) -> str:
    """Accept `--full_refresh` for `--full-refresh`, as Meltano does."""
    return token.replace("_", "-")


class LazyGroup(click.Group):
    """A group whose subcommands in `lazy` are imported only when one runs.

    A subclass sets `lazy`: a name maps to `"module:attribute"` and its help text, so listing
    and `--help` import nothing: a group's subcommands need not load what the others use.
    """

    lazy: ClassVar[Mapping[str, tuple[str, str]]] = {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.lazy:
            return super().get_command(ctx, cmd_name)
        module, _, attribute = self.lazy[cmd_name][0].partition(":")
        command: click.Command = getattr(importlib.import_module(module), attribute)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """As click does, with the help of lazy subcommands taken from `lazy`."""
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(map(len, names), default=0)
        rows: list[tuple[str, str]] = []
        for name in names:
            if name in self.lazy:
                stand_in = click.Command(name, help=self.lazy[name][1])  # shortened as click does
                rows.append((name, stand_in.get_short_help_str(limit)))
            elif (command := super().get_command(ctx, name)) is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


class MeltanoGroup(click.Group):
    """Loads subcommands on demand and converts `MeltanoError` to output and an exit code."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        _import_structlog_without_rich()
        module = importlib.import_module(entry[0])
        command: click.Command = module.command
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][1]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        try:
            return super().resolve_command(ctx, args)
        except click.UsageError as error:
            import difflib

            name = args[0] if args else ""
            matches = difflib.get_close_matches(name, self.list_commands(ctx), n=3, cutoff=0.5)
            if matches:
                suggestions = "\n".join(f"    {match}" for match in matches)
                raise click.UsageError(
                    f"{error.message}\n\nDid you mean one of these?\n{suggestions}", ctx
                ) from error
            raise

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except MeltanoError as error:
            _print_error(error)
            ctx.exit(error.exit_code)
        except OSError as error:
            if not is_storage_error(error):
                raise
            # A full disk (or a read-only one) where no write site named the file itself.
            failure = cannot_write(error.filename or "a file", error)
            _print_error(failure)
            ctx.exit(failure.exit_code)
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            ctx.exit(ExitCode.INTERRUPTED)


def _sentence(text: str) -> str:
    """End a message with one full stop, unless it already ends with ?, ! or :."""
    text = text.rstrip().rstrip(".")
    return text if text.endswith(("?", "!", ":")) else f"{text}."


def _print_error(error: MeltanoError) -> None:
    click.secho(f"Error: {_sentence(error.reason)}", err=True, fg="red")
    if error.instruction:
        click.echo(_sentence(error.instruction), err=True)


@click.group(
    cls=MeltanoGroup,
    invoke_without_command=True,
    context_settings={
        "token_normalize_func": _normalize_token,
        "help_option_names": ["--help", "-h"],
    },
)
@click.version_option(__version__, "--version", prog_name="meltano", message=VERSION_TEXT)
@click.option(
    "--log-level",
    type=click.Choice(LOG_LEVELS, case_sensitive=False),
    help="Minimum level of log lines on stderr (setting: cli.log_level).",
)
@click.option(
    "--log-format",
    type=click.Choice(LOG_FORMATS, case_sensitive=False),
    help="How log lines look (setting: cli.log_format).",
)
@click.option(
    "--log-config",
    type=str,
    help="A Python logging dictConfig YAML file (setting: cli.log_config).",
)
@click.option(
    "--environment",
    "environment",
    metavar="NAME",
    help="Environment to activate (default: MELTANO_ENVIRONMENT or default_environment).",
)
@click.option(
    "--no-environment",
    is_flag=True,
    default=False,
    help="Activate no environment, not even the default one.",
)
@click.option(
    "--cwd",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Run as if meltano was started in this directory.",
)
@click.option(
    "--env-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Dotenv file to read instead of the project's .env.",
)
@click.pass_context
def cli(
    ctx: click.Context,
    *,
    log_level: str | None,
    log_format: str | None,
    log_config: str | None,
    environment: str | None,
    no_environment: bool,
    cwd: Path | None,
    env_file: Path | None,
) -> None:
    """Meltano: the CLI-first ELT orchestrator.

    Run `meltano init DIR` to create a project, then `meltano COMMAND --help` for details.
    """
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())
        ctx.exit(ExitCode.USAGE)
    if cwd is not None:
        try:
            os.chdir(cwd)
        except OSError as error:  # a device or other non-directory click's check lets through
            raise click.BadParameter(
                f"{cwd} is not a directory ({error.strerror})", param_hint="'--cwd'"
            ) from error
    state = CliState(
        cwd=Path.cwd(), environment=environment, no_environment=no_environment, env_file=env_file
    )
    ctx.obj = state
    try:
        state.setup_logging(level=log_level, log_format=log_format, config_file=log_config)
    except MeltanoError as error:
        _print_error(error)
        ctx.exit(error.exit_code)
