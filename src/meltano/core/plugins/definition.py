"""A plugin definition: one variant of a plugin, from the Hub, a lock file or a custom entry."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from meltano.core.errors import MeltanoError

# Key order of a lock file, as 4.4.1 writes it; keys not named here follow in their given order.
LOCK_KEY_ORDER = (
    "plugin_type",
    "name",
    "namespace",
    "variant",
    "label",
    "docs",
    "repo",
    "pip_url",
    "python",
    "executable",
    "description",
    "logo_url",
    "capabilities",
    "settings_group_validation",
    "settings",
    "commands",
    "container_spec",
    "requires",
    "requires_meltano",
    "env",
    "supported_python_versions",
)
# Key order of one setting inside a lock file (4.4.1's), then any other keys in their given order.
SETTING_KEY_ORDER = (
    "name",
    "aliases",
    "env",
    "kind",
    "value",
    "label",
    "documentation",
    "description",
    "options",
    "value_processor",
    "value_post_processor",
    "oauth",
    "placeholder",
    "sensitive",
)
COMMAND_KEY_ORDER = ("args", "description", "executable", "container_spec")
CONTAINER_KEY_ORDER = ("image", "command", "entrypoint", "ports", "volumes", "env")
SENSITIVE_KINDS = ("password", "oauth")
_TEXT_FIELDS = (
    "variant",
    "label",
    "description",
    "logo_url",
    "docs",
    "repo",
    "ext_repo",
    "pip_url",
    "python",
    "executable",
    "requires_meltano",
)
_EMPTY: tuple[Any, ...] = (None, "", [], {}, ())


class DefinitionError(MeltanoError):
    """A definition (Hub response, lock file, custom entry) does not have the required shape."""


@dataclass(frozen=True)
class PluginDefinition:
    """One variant of a plugin. Unknown keys are kept in `extras`, so nothing is lost on a rewrite.

    `settings`, `commands`, `requires` and `extras` stay plain mappings, exactly as read.
    """

    plugin_type: str  # plural: `extractors`, `loaders`, ...
    name: str
    namespace: str
    variant: str | None = None
    label: str | None = None
    description: str | None = None
    logo_url: str | None = None
    docs: str | None = None
    repo: str | None = None
    ext_repo: str | None = None
    pip_url: str | None = None
    python: str | None = None
    executable: str | None = None
    requires_meltano: str | None = None
    capabilities: tuple[str, ...] = ()
    settings_group_validation: tuple[tuple[str, ...], ...] = ()
    settings: tuple[Mapping[str, Any], ...] = ()
    commands: Mapping[str, Any] = field(default_factory=dict)
    container_spec: Mapping[str, Any] | None = None  # the image the plugin runs in
    requires: Mapping[str, Any] = field(default_factory=dict)  # {type: [{name, variant}]}
    env: Mapping[str, Any] = field(default_factory=dict)
    supported_python_versions: tuple[str, ...] = ()
    hidden: bool = False
    extras: Mapping[str, Any] = field(default_factory=dict)  # keywords, select, metadata, ...
    is_default_variant: bool = False  # from the Hub index; never written

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], *, plugin_type: str, is_default_variant: bool = False
    ) -> PluginDefinition:
        """Read one flat variant (a Hub definition or a lock file)."""
        if not isinstance(data, Mapping):
            raise DefinitionError(
                f"A {plugin_type} definition must be a JSON object, not {type(data).__name__}"
            )
        name, namespace = data.get("name"), data.get("namespace")
        if not isinstance(name, str) or not name:
            raise DefinitionError(f"A {plugin_type} definition has no `name`")
        if not isinstance(namespace, str) or not namespace:
            raise DefinitionError(f"The definition of {plugin_type} {name!r} has no `namespace`")
        texts = {key: _text(data.get(key)) for key in _TEXT_FIELDS}
        known = {
            "plugin_type",
            "name",
            "namespace",
            "capabilities",
            "settings_group_validation",
            "settings",
            "commands",
            "requires",
            "env",
            "supported_python_versions",
            "hidden",
            *_TEXT_FIELDS,
        }
        spec = data.get("container_spec")
        container_spec = dict(spec) if isinstance(spec, Mapping) else None
        if container_spec is not None:  # anything else stays an extra, as written
            known.add("container_spec")
        return cls(
            plugin_type=str(data.get("plugin_type") or plugin_type),
            name=name,
            namespace=namespace,
            **texts,
            capabilities=tuple(str(c) for c in data.get("capabilities") or ()),
            settings_group_validation=tuple(
                tuple(str(s) for s in group)
                for group in data.get("settings_group_validation") or ()
            ),
            settings=tuple(dict(s) for s in data.get("settings") or ()),
            commands=dict(data.get("commands") or {}),
            container_spec=container_spec,
            requires=dict(data.get("requires") or {}),
            env=dict(data.get("env") or {}),
            supported_python_versions=tuple(
                str(v) for v in data.get("supported_python_versions") or ()
            ),
            hidden=bool(data.get("hidden", False)),
            extras={key: value for key, value in data.items() if key not in known},
            is_default_variant=is_default_variant,
        )

    def as_dict(self) -> dict[str, Any]:
        """All fields as plain data, unordered and with empty values kept out."""
        data: dict[str, Any] = {
            "plugin_type": self.plugin_type,
            "name": self.name,
            "namespace": self.namespace,
            **{key: getattr(self, key) for key in _TEXT_FIELDS},
            "capabilities": list(self.capabilities),
            "settings_group_validation": [list(g) for g in self.settings_group_validation],
            "settings": [dict(s) for s in self.settings],
            "commands": dict(self.commands),
            "container_spec": dict(self.container_spec or {}),
            "requires": dict(self.requires),
            "env": dict(self.env),
            "supported_python_versions": list(self.supported_python_versions),
            **self.extras,
        }
        return {key: value for key, value in data.items() if not _is_empty(value)}

    def to_lock(self) -> dict[str, Any]:
        """The lock file document, keys and setting keys in 4.4.1's order."""
        data = self.as_dict()
        data.setdefault("label", self.name)  # 4.4.1 fills a missing label with the name
        if "settings" in data:
            data["settings"] = [lock_setting(s) for s in data["settings"]]
        if "commands" in data:
            data["commands"] = {name: lock_command(c) for name, c in data["commands"].items()}
        if isinstance(data.get("container_spec"), Mapping):
            data["container_spec"] = _ordered(data["container_spec"], CONTAINER_KEY_ORDER)
        return _ordered(data, LOCK_KEY_ORDER)


def lock_setting(setting: Mapping[str, Any]) -> dict[str, Any]:
    """One setting as a lock file holds it: kinds `password`/`oauth` are marked sensitive and
    `password` becomes `string` (as 4.4.1 writes them)."""
    data = {key: value for key, value in setting.items() if key == "value" or not _is_empty(value)}
    if data.get("kind") in SENSITIVE_KINDS:
        data["sensitive"] = True
    if data.get("kind") == "password":
        data["kind"] = "string"
    return _ordered(data, SETTING_KEY_ORDER)


def lock_command(command: Any) -> Any:
    """One command as a lock file holds it (an args string stays a string)."""
    if not isinstance(command, Mapping):
        return command
    data = dict(command)
    if isinstance(data.get("container_spec"), Mapping):
        data["container_spec"] = _ordered(data["container_spec"], CONTAINER_KEY_ORDER)
    return _ordered(data, COMMAND_KEY_ORDER)


def variant_labels(names: list[str], default: str | None) -> list[str]:
    """`['a (default)', 'b']`: how messages and tables list variants."""
    return [f"{name} (default)" if name == default else name for name in names]


def _ordered(data: Mapping[str, Any], order: tuple[str, ...]) -> dict[str, Any]:
    first = {key: data[key] for key in order if key in data}
    return {**first, **{key: value for key, value in data.items() if key not in first}}


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str | list | dict | tuple) and not value)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
