"""`container_spec`: the image a plugin, or one of its commands, runs in with `--containers`.

A plugin-level spec (on the definition or the meltano.yml entry, inherited like `executable`)
puts the plugin itself in a container: its executable and Meltano's arguments (`--config`,
`--catalog`, `--state`) run in the image. A command-level spec runs that command as 4.4.1
does: the spec's `command` and `entrypoint` replace the command's `executable` and `args`.
A command without a spec of its own runs in the plugin's image, if the plugin has one.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from meltano.core.errors import MeltanoError
from meltano.core.plugins.definition import CONTAINER_KEY_ORDER
from meltano.core.processes.container_launch import ContainerLaunch, container_name
from meltano.core.settings.expand import expand_text

if TYPE_CHECKING:
    from meltano.core.plugins.project_plugin import ProjectPlugin


class ContainerSpecError(MeltanoError):
    """A `container_spec` that cannot be run as written."""

    def __init__(self, owner: str, problem: str) -> None:
        super().__init__(
            f"The container_spec of {owner} {problem}",
            f"Fix it in meltano.yml (keys: {', '.join(CONTAINER_KEY_ORDER)})",
        )


@dataclass(frozen=True)
class ContainerSpec:
    """One parsed `container_spec`; `$VAR`s in `volumes` and `env` are expanded at run time."""

    owner: str  # "extractor 'tap-x'" or "extractor 'tap-x' command 'run'", for messages
    image: str
    command: tuple[str, ...] | None = None  # None: not given (the image's CMD, or the plugin's)
    entrypoint: tuple[str, ...] | None = None  # None: the image's ENTRYPOINT
    ports: tuple[tuple[str, str], ...] = ()  # (host port, container port[/protocol])
    volumes: tuple[str, ...] = ()  # `host:container[:options]`, as `docker run -v`
    env: Mapping[str, str] = field(default_factory=dict)
    is_command_spec: bool = False  # a command's own spec: `command` replaces its args

    @classmethod
    def parse(cls, data: Any, *, owner: str, is_command_spec: bool = False) -> ContainerSpec:
        """Check and convert the mapping from meltano.yml, a lock file or a Hub definition."""
        if not isinstance(data, Mapping):
            raise ContainerSpecError(owner, f"must be a mapping, not {type(data).__name__}")
        image = data.get("image")
        if not isinstance(image, str) or not image.strip():
            raise ContainerSpecError(owner, "has no `image`")
        ports = data.get("ports") or {}
        if not isinstance(ports, Mapping):
            raise ContainerSpecError(owner, "has `ports` that are not a `host: container` map")
        volumes = data.get("volumes") or []
        if not isinstance(volumes, list) or not all(isinstance(v, str) for v in volumes):
            raise ContainerSpecError(owner, "has `volumes` that are not a list of texts")
        env = data.get("env") or {}
        if not isinstance(env, Mapping):
            raise ContainerSpecError(owner, "has an `env` that is not a mapping")
        return cls(
            owner=owner,
            image=image.strip(),
            command=_words(data.get("command"), owner, "command"),
            entrypoint=_words(data.get("entrypoint"), owner, "entrypoint"),
            ports=tuple((str(host), str(inside)) for host, inside in ports.items()),
            volumes=tuple(volumes),
            env={str(k): "" if v is None else str(v) for k, v in env.items()},
            is_command_spec=is_command_spec,
        )


def _words(value: Any, owner: str, key: str) -> tuple[str, ...] | None:
    """A shell-style string (split like a shell does) or a list of words; "" counts as unset."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            return tuple(shlex.split(value))
        except ValueError as error:
            raise ContainerSpecError(
                owner, f"has a `{key}` that cannot be split: {error}"
            ) from None
    if isinstance(value, list) and all(isinstance(word, str) for word in value):
        return tuple(value)
    raise ContainerSpecError(owner, f"has a `{key}` that is neither a text nor a list of texts")


def container_spec_of(plugin: ProjectPlugin, command: str | None) -> ContainerSpec | None:
    """The spec `plugin` (or its `command`) runs in with `--containers`; None if it has none."""
    owner = f"{plugin.type.singular} '{plugin.name}'"
    if command is not None:
        entry = plugin.commands.get(command)
        spec = entry.get("container_spec") if isinstance(entry, Mapping) else None
        if spec is not None:
            return ContainerSpec.parse(
                spec, owner=f"{owner} command '{command}'", is_command_spec=True
            )
    if plugin.container_spec is None:
        return None
    return ContainerSpec.parse(plugin.container_spec, owner=owner)


def runs_in_container(plugin: ProjectPlugin, command: str | None, *, containers: bool) -> bool:
    """Whether `--containers` puts this plugin (or its command) in a container."""
    return containers and container_spec_of(plugin, command) is not None


def container_launch(
    spec: ContainerSpec,
    *,
    plugin: ProjectPlugin,
    command: str | None,
    env: Mapping[str, str],
    expand_env: Mapping[str, str],
    run_dir: Path,
    run_id: str,
    extra_args: Sequence[str] = (),
) -> ContainerLaunch:
    """What the engine runs for `spec`; `argv` is filled in when the process is started.

    `env` is the container's environment (the spec's `env` goes on top); `$VAR`s in the spec's
    `volumes` and `env` are expanded against `expand_env`, the plugin's whole environment, as
    everywhere in meltano.yml. The private run directory (config, catalog, state, logging
    files) is mounted read-only at the same path, so the paths in argv and env hold inside.
    """
    volumes = tuple(expand_text(volume, expand_env) or "" for volume in spec.volumes)
    own_env = {name: expand_text(value, expand_env) or "" for name, value in spec.env.items()}
    return ContainerLaunch(
        plugin=plugin.name,
        image=spec.image,
        name=container_name(plugin.name, command),
        owner=spec.owner,
        command=spec.command,
        entrypoint=spec.entrypoint,
        replaces_argv=spec.is_command_spec,
        extra_args=tuple(extra_args) if spec.is_command_spec else (),
        env={**env, **own_env},
        binds=(f"{run_dir}:{run_dir}:ro", *(v for v in volumes if v)),
        ports=spec.ports,
        run_id=run_id,
    )
