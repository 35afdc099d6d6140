"""The plugin types of a project, their names, env verbs and Meltano-handled extras."""

from __future__ import annotations

import enum
from typing import Any

from meltano.core.errors import MeltanoError


class PluginType(str, enum.Enum):
    """A plugin type; the value is the plural key used under `plugins:` in meltano.yml."""

    EXTRACTORS = "extractors"
    LOADERS = "loaders"
    TRANSFORMS = "transforms"
    ORCHESTRATORS = "orchestrators"
    TRANSFORMERS = "transformers"
    FILES = "files"
    UTILITIES = "utilities"
    MAPPERS = "mappers"

    def __str__(self) -> str:
        return self.value

    @property
    def singular(self) -> str:
        """`extractor`, `utility`, ..."""
        return _SINGULAR[self]

    @property
    def descriptor(self) -> str:
        """How messages name the type: `Extractor`, `File bundle`, ..."""
        return "File bundle" if self is PluginType.FILES else self.singular.capitalize()

    @property
    def verb(self) -> str:
        """The `MELTANO_<VERB>_` prefix written into plugin processes (4.4.1 spellings)."""
        return _VERB[self]

    @property
    def identity_prefix(self) -> str:
        """`MELTANO_<TYPE>_` for the identity variables (`MELTANO_EXTRACTOR_NAME`, ...)."""
        return f"MELTANO_{self.singular.upper()}_"

    @classmethod
    def parse(cls, text: str) -> PluginType:
        """Accept singular or plural spellings (`extractor`, `extractors`, `utility`, ...)."""
        lowered = text.strip().lower()
        for plugin_type in cls:
            if lowered in (plugin_type.value, plugin_type.singular):
                return plugin_type
        known = ", ".join(t.singular for t in cls)
        raise MeltanoError(f"Unknown plugin type {text!r}", f"Use one of: {known}")


#: The keys under `plugins:` in meltano.yml, in the order files and listings use.
PLUGIN_TYPES: tuple[str, ...] = tuple(plugin_type.value for plugin_type in PluginType)

_SINGULAR = {
    PluginType.EXTRACTORS: "extractor",
    PluginType.LOADERS: "loader",
    PluginType.TRANSFORMS: "transform",
    PluginType.ORCHESTRATORS: "orchestrator",
    PluginType.TRANSFORMERS: "transformer",
    PluginType.FILES: "file",
    PluginType.UTILITIES: "utility",
    PluginType.MAPPERS: "mapper",
}
_VERB = {
    PluginType.EXTRACTORS: "EXTRACT",
    PluginType.LOADERS: "LOAD",
    PluginType.TRANSFORMS: "TRANSFORM",
    PluginType.ORCHESTRATORS: "ORCHESTRAT",
    PluginType.TRANSFORMERS: "TRANSFORM",
    PluginType.FILES: "FI",
    PluginType.UTILITIES: "UTILIZE",
    PluginType.MAPPERS: "MAP",
}

_LOG_PARSER: dict[str, Any] = {"name": "_log_parser", "kind": "string", "value": "singer-sdk"}

# Extras: settings Meltano handles itself, stored beside `config` without the underscore.
EXTRAS: dict[PluginType, tuple[dict[str, Any], ...]] = {
    PluginType.EXTRACTORS: (
        _LOG_PARSER,
        {"name": "_catalog", "kind": "string"},
        {"name": "_state", "kind": "string"},
        {"name": "_load_schema", "kind": "string", "value": "$MELTANO_EXTRACTOR_NAMESPACE"},
        {"name": "_select", "kind": "array", "value": ["*.*"]},
        {"name": "_metadata", "aliases": ["metadata"], "kind": "object", "value": {}},
        {"name": "_schema", "kind": "object", "value": {}},
        {"name": "_select_filter", "kind": "array", "value": []},
        {"name": "_use_cached_catalog", "kind": "boolean", "value": True},
    ),
    PluginType.LOADERS: (
        _LOG_PARSER,
        {"name": "_dialect", "kind": "string", "value": "$MELTANO_LOADER_NAMESPACE"},
        {"name": "_target_schema", "kind": "string"},
    ),
    PluginType.MAPPERS: (
        _LOG_PARSER,
        {"name": "_mappings", "kind": "array"},
        {"name": "_mapping_name", "kind": "string"},
    ),
    PluginType.TRANSFORMS: (
        {"name": "_package_name", "kind": "string", "value": "$MELTANO_TRANSFORM_NAMESPACE"},
        {"name": "_vars", "kind": "object", "value": {}},
    ),
    PluginType.FILES: ({"name": "_update", "kind": "object", "value": {}},),
    PluginType.ORCHESTRATORS: (),
    PluginType.TRANSFORMERS: (),
    PluginType.UTILITIES: (),
}


def infer_type(name: str) -> PluginType:
    """The type a bare plugin name implies: `tap-*` extractor, `target-*` loader, else utility."""
    if name.startswith("tap-"):
        return PluginType.EXTRACTORS
    if name.startswith("target-"):
        return PluginType.LOADERS
    return PluginType.UTILITIES
