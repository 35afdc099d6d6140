"""Change an extractor's `select` patterns in meltano.yml (root entry or environment entry)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import structlog

from meltano.core.catalog.cache import CatalogCache
from meltano.core.catalog.edits import add_pattern, remove_pattern
from meltano.core.catalog.patterns import closest_streams, parse_pattern
from meltano.core.errors import MeltanoError
from meltano.core.project import document

if TYPE_CHECKING:
    from meltano.core.project.files import ProjectFiles
    from meltano.core.project.project import Project

EXTRACTORS = "extractors"
log = structlog.get_logger("meltano")


def _child(node: Any, key: str, kind: type[dict[str, Any]] | type[list[Any]]) -> Any:
    if not isinstance(node.get(key), kind):
        node[key] = document.new_map() if kind is dict else document.new_seq()
    return node[key]


def _entry(files: ProjectFiles, plugin_name: str, environment: str | None) -> dict[str, Any]:
    """The mapping that holds `select` for the plugin: root entry, or environment entry."""
    if environment is None:
        found = files.find(EXTRACTORS, plugin_name)
        if found is None:
            raise MeltanoError(
                f"Extractor '{plugin_name}' is not known to this project",
                "Add it with `meltano add` first",
            )
        return found[1]
    located = files.find("environments", environment)
    if located is None:
        raise MeltanoError(
            f"Environment '{environment}' was not found", "Add it with `meltano environment add`"
        )
    config = _child(located[1], "config", dict)
    plugins = _child(config, "plugins", dict)
    extractors = _child(plugins, EXTRACTORS, list)
    for entry in extractors:
        if entry.get("name") == plugin_name:
            return entry  # type: ignore[no-any-return]  # ruamel nodes are untyped
    entry = document.new_map()
    entry["name"] = plugin_name
    extractors.append(entry)
    return entry


def edit_select(
    project: Project,
    plugin_name: str,
    *,
    pattern: str | None,
    remove: bool = False,
    clear: bool = False,
    environment: str | None = None,
) -> list[str]:
    """Add, remove or clear patterns; return the resulting list."""
    with project.edit() as files:
        entry = _entry(files, plugin_name, environment)
        current = [str(p) for p in entry.get("select") or []]
        if clear:
            entry.pop("select", None)
            return []
        assert pattern is not None
        if remove:
            updated = remove_pattern(current, pattern, plugin_name=plugin_name)
        else:
            updated = add_pattern(current, pattern)
        existing = entry.get("select")
        if isinstance(existing, list):
            existing[:] = updated  # keeps the list's style (block or flow)
        else:
            # An empty list stays: it selects nothing, while no `select` key selects everything.
            entry["select"] = document.new_seq(updated)
        return updated


def warn_if_unmatched(project: Project, plugin_name: str, pattern: str) -> None:
    """Say at once when a new pattern matches no stream of the extractor's cached catalog
    (a typo otherwise shows only as an empty run), naming the closest streams."""
    stream_ids = CatalogCache(project.run_dir / plugin_name).stream_ids()
    if not stream_ids:
        return  # never discovered: nothing to compare with, and discovering here is costly
    closest = closest_streams(parse_pattern(pattern), stream_ids)
    if closest is not None:
        log.warning(
            "pattern matches no stream of the cached catalog",
            pattern=pattern,
            closest_streams=closest,
        )
