"""Prepare one plugin process: its argv, environment, working directory and config files.

Config files hold secrets, so they are written 0600 inside a 0700 run directory under unique
names (two runs of one plugin never share a file) and deleted when the invocation ends,
whether it succeeded, failed or was interrupted. An invocation outside `run`/`el` (`invoke`,
`test`, `config test`, `select --list`, a command block) gets a run directory of its own under
`<sys dir>/run/runs/`, locked while it lives, so even a `kill -9` leaves nothing there for long:
the next command removes it (`project.run_dirs`).
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import shutil
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from meltano.core.errors import MeltanoError
from meltano.core.plugins.airflow import prepare_airflow
from meltano.core.plugins.container_spec import container_launch, container_spec_of
from meltano.core.plugins.private import secure_dir, write_private
from meltano.core.plugins.types import PluginType
from meltano.core.processes.container_launch import ContainerLaunch
from meltano.core.processes.pipes import PluginCommand
from meltano.core.processes.redact import Redactor
from meltano.core.project.run_dirs import private_run_dir
from meltano.core.settings.expand import expand_text, references
from meltano.core.settings.plugin_env import plugin_process_env
from meltano.core.settings.plugin_settings import plugin_settings
from meltano.core.settings.process_env import identity_env
from meltano.core.settings.secrets import MASK, run_secrets
from meltano.core.telemetry.context import PARENT_CONTEXT_VARIABLE, context_uuid
from meltano.core.venvs.paths import plugin_dir_name, venv_dir

if TYPE_CHECKING:
    from meltano.core.plugins.project_plugin import ProjectPlugin
    from meltano.core.project.project import Project
    from meltano.core.settings.plugin_settings import PluginSettings

SINGER_TYPES = (PluginType.EXTRACTORS, PluginType.LOADERS, PluginType.MAPPERS)
_FILE_PREFIX = {
    PluginType.EXTRACTORS: "tap",
    PluginType.LOADERS: "target",
    PluginType.MAPPERS: "mapper",
}


class ExecutableNotFoundError(MeltanoError):
    def __init__(self, plugin: ProjectPlugin, executable: str) -> None:
        super().__init__(
            f"Executable '{executable}' could not be found for "
            f"{plugin.type.singular} '{plugin.name}'",
            f"Install it with `meltano install --plugin-type {plugin.type.singular} "
            f"{plugin.name}`, or fix `executable` in meltano.yml",
        )


class UnknownCommandError(MeltanoError):
    def __init__(self, plugin: ProjectPlugin, command: str) -> None:
        known = ", ".join(sorted(plugin.commands)) or "none"
        super().__init__(
            f"Command '{command}' could not be found. {plugin.type.descriptor} "
            f"'{plugin.name}' supports the following commands: {known}",
            f"List them with `meltano invoke --list-commands {plugin.name}`",
        )


class UnsetCommandVariableError(MeltanoError):
    def __init__(self, command: str, name: str) -> None:
        super().__init__(
            f"Command '{command}' referenced unset environment variable '${name}' in an argument",
            f"Set {name} in the environment, `.env`, or an `env:` block of meltano.yml",
        )


def is_installable(plugin: ProjectPlugin) -> bool:
    return bool(plugin.pip_url)


def plugin_venv(project: Project, plugin: ProjectPlugin) -> Path:
    return venv_dir(project.sys_dir, plugin.type.value, plugin_dir_name(plugin))


def executable_path(
    project: Project,
    plugin: ProjectPlugin,
    executable: str | None = None,
    *,
    path: str | None = None,
) -> str:
    """Where the plugin's program is: its venv, a project-relative path, or PATH."""
    name = executable or plugin.executable or plugin.name
    if is_installable(plugin):
        candidate = plugin_venv(project, plugin) / "bin" / name
        if candidate.exists():
            return str(candidate)
        if "/" not in name:
            raise ExecutableNotFoundError(plugin, name)
    if "/" in name:
        candidate = Path(name) if Path(name).is_absolute() else project.root / name
        if candidate.exists():
            return str(candidate)
        raise ExecutableNotFoundError(plugin, name)
    found = shutil.which(name, path=path)
    if found is None:
        raise ExecutableNotFoundError(plugin, name)
    return found


def command_argv(
    plugin: ProjectPlugin, command: str, env: Mapping[str, str]
) -> tuple[str | None, list[str]]:
    """A plugin command's executable override and its `$VAR`-expanded arguments."""
    if command not in plugin.commands:
        raise UnknownCommandError(plugin, command)
    spec = plugin.commands[command]
    if isinstance(spec, str):
        args_text, executable = spec, None
    else:
        args_text, executable = str(spec.get("args") or ""), spec.get("executable")
    try:
        words = shlex.split(args_text)
    except ValueError as error:  # "No closing quotation", "No escaped character"
        raise MeltanoError(
            f"{plugin.type.descriptor} '{plugin.name}', command '{command}': its args cannot "
            f"be split into arguments ({str(error).lower()})",
            "Close the quote (or escape it with a backslash) in `commands:` of meltano.yml",
        ) from None
    args: list[str] = []
    for arg in words:
        for name in references(arg):
            if not env.get(name):
                raise UnsetCommandVariableError(command, name)

        args.append(expand_text(arg, env) or "")
    return (str(executable) if executable else None), args


@dataclass
class Invocation:
    """A plugin ready to start; files listed in `generated` are removed when it is done."""

    plugin: ProjectPlugin
    argv: list[str]
    env: dict[str, str]
    cwd: Path
    settings: PluginSettings
    #: Where the invocation's private files go (config, catalog, state): gone when it ends.
    run_dir: Path
    #: The plugin's own lasting directory, `<sys dir>/run/<plugin>/` (Airflow's home).
    home: Path
    config_path: Path | None = None
    generated: list[Path] = field(default_factory=list)
    container: ContainerLaunch | None = None  # `--containers`: where it runs instead
    #: The values blanked out of the lines this plugin prints (`settings.secrets`).
    secrets: frozenset[str] = frozenset()

    def exported_env(self) -> dict[str, str]:
        """What later blocks of a pipeline see from this one: identity and settings vars."""

        return {**identity_env(self.plugin), **self.settings.env()}

    def redactor(self) -> Redactor | None:
        """What masks `secrets` in the plugin's lines; None when there is nothing to mask."""
        return Redactor.of(self.secrets, MASK)

    def command(
        self, *, argv: Sequence[str] | None = None, cwd: Path | None = None
    ) -> PluginCommand:
        """The process to start for this plugin (its argv, env and cwd unless overridden)."""
        argv = self.argv if argv is None else argv
        return PluginCommand(
            name=self.plugin.name,
            argv=argv,
            env=self.env,
            cwd=self.cwd if cwd is None else cwd,
            plugin_type=self.plugin.type.singular,
            container=None if self.container is None else replace(self.container, argv=tuple(argv)),
        )


def share_secrets(invocations: Sequence[Invocation], known: set[str]) -> None:
    """Let every plugin of a run mask every secret of it: a loader gets the extractor's
    settings as variables, and any plugin may print what it was given. `known` holds the
    secrets of the run's earlier blocks; these plugins' secrets are added to it."""
    for invocation in invocations:
        known |= invocation.secrets
    shared = frozenset(known)
    for invocation in invocations:
        invocation.secrets = shared


def _venv_env(project: Project, plugin: ProjectPlugin, env: dict[str, str]) -> None:
    if not is_installable(plugin):
        return
    venv = plugin_venv(project, plugin)
    env["VIRTUAL_ENV"] = str(venv)
    env["PATH"] = os.pathsep.join([str(venv / "bin"), env.get("PATH", os.defpath)])


def _singer_logging_paths(run_dir: Path, prefix: str) -> dict[str, Path]:
    """Logging files Singer SDK and pipelinewise plugins read from env variables."""
    return {
        "SINGER_SDK_LOG_CONFIG": run_dir / f"{prefix}.singer_sdk_logging.json",
        "LOGGING_CONF_FILE": run_dir / f"{prefix}.pipelinewise_logging.conf",
    }


def _write_singer_logging(paths: Mapping[str, Path], level: str) -> None:
    sdk = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"default": {"format": "%(message)s"}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "default",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"level": level.upper(), "handlers": ["stderr"]},
    }
    pipelinewise = (
        "[loggers]\nkeys=root\n\n[handlers]\nkeys=stderr\n\n[formatters]\nkeys=default\n\n"
        f"[logger_root]\nlevel={level.upper()}\nhandlers=stderr\n\n"
        "[handler_stderr]\nclass=StreamHandler\nformatter=default\nargs=(sys.stderr,)\n\n"
        "[formatter_default]\nformat=%(message)s\n"
    )
    write_private(paths["SINGER_SDK_LOG_CONFIG"], json.dumps(sdk))
    write_private(paths["LOGGING_CONF_FILE"], pipelinewise)


def _process_env(
    project: Project,
    plugin: ProjectPlugin,
    settings: PluginSettings,
    directory: Path,
    upstream_env: Mapping[str, str] | None,
    *,
    venv: bool = True,
) -> dict[str, str]:
    env = plugin_process_env(project, plugin, settings=settings, upstream_env=upstream_env)
    if venv:  # a container's image has its own PATH
        _venv_env(project, plugin, env)
    env[PARENT_CONTEXT_VARIABLE] = context_uuid()  # plugins relate their telemetry to ours
    if plugin.type in SINGER_TYPES:
        for name, path in _singer_logging_paths(directory, _FILE_PREFIX[plugin.type]).items():
            env[name] = str(path)
    return env


def preview_env(project: Project, plugin: ProjectPlugin) -> dict[str, str]:
    """The environment `prepare` gives the plugin's process, computed the same way but without
    writing files or needing the plugin installed (`invoke --print-var`)."""
    settings = plugin_settings(project, plugin)
    return _process_env(project, plugin, settings, project.run_dir / plugin.name, None)


def working_directory(project: Project, plugin: ProjectPlugin, settings: PluginSettings) -> Path:
    """Transformers (dbt) run in their `project_dir`, for `invoke` as for `run`; every other
    plugin where meltano runs."""
    if plugin.type is PluginType.TRANSFORMERS:
        project_dir = settings.values.get("project_dir")
        if project_dir is not None and project_dir.value:
            path = Path(str(project_dir.value))
            return path if path.is_absolute() else project.root / path
    return Path.cwd()


def config_text(settings: PluginSettings) -> str:
    """The plugin's config file, as written for it (and printed by `invoke --dump=config`)."""
    return json.dumps(settings.config(), indent=2, default=str)


def holds_secrets(settings: PluginSettings) -> bool:
    """Whether the config file carries the value of a `sensitive` setting."""
    return any(
        d.sensitive and not d.is_extra and settings.values[d.name].value not in (None, "")
        for d in settings.definitions
    )


@contextlib.contextmanager
def prepare(
    project: Project,
    plugin: ProjectPlugin,
    *,
    command: str | None = None,
    args: Sequence[str] = (),
    upstream_env: Mapping[str, str] | None = None,
    run_dir: Path | None = None,
    extra_args: Sequence[str] = (),
    log_level: str = "info",
    containers: bool = False,
    run_id: str | None = None,
) -> Iterator[Invocation]:
    """Resolve settings, write the config file, build argv and env; clean up afterwards.

    With `containers`, a plugin (or command) with a `container_spec` is prepared to run in
    its image: no virtualenv, its executable looked up in the image, and the container's
    environment without our own process's variables. `run_id` labels its container.
    """

    spec = container_spec_of(plugin, command) if containers else None
    settings = plugin_settings(project, plugin, upstream_env=upstream_env)
    with contextlib.ExitStack() as cleanup:
        directory = (
            secure_dir(run_dir)
            if run_dir is not None
            else cleanup.enter_context(
                private_run_dir(project.runs_dir, f"{plugin.name}.{uuid.uuid4()}")
            )
        )
        env = _process_env(project, plugin, settings, directory, upstream_env, venv=spec is None)
        invocation = Invocation(
            plugin=plugin,
            argv=[],
            env=env,
            cwd=working_directory(project, plugin, settings),
            settings=settings,
            run_dir=directory,
            home=project.run_dir / plugin.name,
            secrets=run_secrets(project, [settings]),
        )
        cleanup.callback(_remove_generated, invocation)  # before its directory goes
        if plugin.type in SINGER_TYPES:
            paths = _singer_logging_paths(directory, _FILE_PREFIX[plugin.type])
            invocation.generated.extend(paths.values())
            _write_singer_logging(paths, log_level)
        locate = _in_image if spec is not None else executable_path
        if command is not None:
            executable, command_args = command_argv(plugin, command, env)
            invocation.argv = [
                locate(project, plugin, executable, path=env.get("PATH")),
                *command_args,
                *args,
            ]
        else:
            argv = [locate(project, plugin, path=env.get("PATH"))]
            if plugin.type in SINGER_TYPES:
                config_path = directory / f"{_FILE_PREFIX[plugin.type]}.{uuid.uuid4()}.config.json"
                write_private(config_path, config_text(settings))
                invocation.config_path = config_path
                invocation.generated.append(config_path)
                argv += ["--config", str(config_path)]
            invocation.argv = [*argv, *extra_args, *args]
        if plugin.type is PluginType.ORCHESTRATORS:
            prepare_airflow(invocation)  # AIRFLOW_HOME, airflow.cfg, its database
        if spec is not None:
            inside = plugin_process_env(
                project, plugin, settings=settings, upstream_env=upstream_env, terminal=False
            )
            ours = {k: v for k, v in env.items() if k not in project.environ}  # files, context
            invocation.container = container_launch(
                spec,
                plugin=plugin,
                command=command,
                env={**inside, **ours},
                expand_env=env,
                run_dir=directory,
                run_id=run_id or str(uuid.uuid4()),
                extra_args=args,
            )
        yield invocation


def _remove_generated(invocation: Invocation) -> None:
    for path in invocation.generated:
        with contextlib.suppress(OSError):
            path.unlink()


def _in_image(
    project: Project,
    plugin: ProjectPlugin,
    executable: str | None = None,
    *,
    path: str | None = None,
) -> str:
    """A containerized plugin's program, as written: the image's PATH finds it."""
    return executable or plugin.executable or plugin.name


def describe_commands(plugin: ProjectPlugin) -> list[tuple[str, str]]:
    """`plugin:command` and description pairs for `--list-commands`."""
    rows = []
    for name, spec in plugin.commands.items():
        description = spec.get("description") if isinstance(spec, Mapping) else None
        rows.append((f"{plugin.name}:{name}", str(description or "")))
    return rows
