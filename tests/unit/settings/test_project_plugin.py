from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from meltano.core.errors import MeltanoError
from meltano.core.plugins.project_plugin import PluginNotFoundError, find_plugin, from_entry
from meltano.core.plugins.types import PluginType
from meltano.core.project.project import Project

CUSTOM = {
    "name": "tap-x",
    "namespace": "tap_ns",
    "pip_url": "tap-x==1",
    "settings": [{"name": "port", "kind": "integer", "value": 1}],
    "config": {"port": 2},
    "select": ["a.*"],
    "foo": 1,
}


def test_custom_entry_is_its_own_definition() -> None:
    plugin = from_entry(PluginType.EXTRACTORS, CUSTOM)
    assert plugin.is_custom
    assert plugin.env_prefixes == ("tap-x", "tap_ns")
    names = [d.name for d in plugin.settings]
    assert names[0] == "port" and "_select" in names and "_foo" in names
    assert plugin.extras == {"_select": ["a.*"], "_foo": 1}


def test_base_definition_supplies_settings_and_extra_defaults() -> None:
    base = {
        "name": "tap-y",
        "namespace": "tap_y",
        "settings": [{"name": "user"}],
        "select": ["b.*"],
    }
    plugin = from_entry(PluginType.EXTRACTORS, {"name": "tap-y", "variant": "v"}, base=base)
    by_name = {d.name: d for d in plugin.settings}
    assert by_name["_select"].value == ["b.*"] and "user" in by_name
    assert plugin.namespace == "tap_y"


def test_plugin_type_accepts_singular_and_plural() -> None:
    assert PluginType.parse("utility") is PluginType.UTILITIES
    assert PluginType.parse("loaders") is PluginType.LOADERS
    assert PluginType.FILES.verb == "FI"
    with pytest.raises(MeltanoError, match="Unknown plugin type"):
        PluginType.parse("widget")


def _project(project_dir: Path, text: str) -> Project:
    with (project_dir / "meltano.yml").open("a") as file:
        file.write(text)
    return Project(project_dir, environ={})


def test_inheriting_from_a_project_plugin(project_dir: Path) -> None:
    project = _project(
        project_dir,
        "plugins:\n  extractors:\n"
        "  - {name: tap-x, namespace: tap_x, settings: [{name: port}]}\n"
        "  - {name: tap-x--copy, inherit_from: tap-x}\n",
    )
    plugin = find_plugin(project, "tap-x--copy")
    assert plugin.parent is not None and plugin.parent.name == "tap-x"
    assert plugin.namespace == "tap_x__copy"
    assert plugin.settings[0].name == "port"


def test_inheritance_cycle_is_an_error(project_dir: Path) -> None:
    project = _project(
        project_dir,
        "plugins:\n  extractors:\n  - {name: a, inherit_from: b}\n  - {name: b, inherit_from: a}\n",
    )
    with pytest.raises(MeltanoError, match="cannot inherit from"):
        find_plugin(project, "a")


def test_shadowing_plugin_reads_its_lock_file(project_dir: Path) -> None:
    lock = project_dir / "plugins" / "loaders" / "target-z--acme.lock"
    lock.parent.mkdir(parents=True)
    lock.write_text(
        json.dumps({"name": "target-z", "namespace": "tz", "settings": [{"name": "dir"}]})
    )
    project = _project(project_dir, "plugins:\n  loaders:\n  - {name: target-z, variant: acme}\n")
    plugin = find_plugin(project, "target-z", plugin_type=PluginType.LOADERS)
    assert plugin.namespace == "tz" and plugin.settings[0].name == "dir"


def test_definition_source_is_a_seam(project_dir: Path) -> None:
    project = _project(project_dir, "plugins:\n  loaders:\n  - {name: target-q, variant: v}\n")
    calls: list[tuple[str, str | None]] = []

    def hub(
        _: Project, plugin_type: PluginType, name: str, variant: str | None
    ) -> dict[str, object]:
        calls.append((name, variant))
        return {"name": name, "namespace": "from_hub"}

    source: Callable[..., object] = hub
    plugin = find_plugin(project, "target-q", definitions=source)  # type: ignore[arg-type]
    assert plugin.namespace == "from_hub" and calls == [("target-q", "v")]


def test_unknown_plugin(project_dir: Path) -> None:
    with pytest.raises(PluginNotFoundError, match="'nope' is not known"):
        find_plugin(Project(project_dir, environ={}), "nope")


def test_mapping_runs_as_its_mapper_with_its_own_config(project_dir: Path) -> None:
    project = _project(
        project_dir,
        "plugins:\n  mappers:\n"
        "  - name: meltano-map-transformer\n    namespace: mmt\n    executable: mapper-bin\n"
        "    settings: [{name: stream_maps, kind: object}]\n"
        "    config: {shared: 1, over: 1}\n"
        "    mappings:\n    - {name: hide-emails, config: {over: 2, stream_maps: {a: null}}}\n",
    )
    mapping = find_plugin(project, "hide-emails")
    assert mapping.parent is not None and mapping.parent.name == "meltano-map-transformer"
    assert mapping.executable == "mapper-bin"
    assert mapping.extras["_mapping_name"] == "hide-emails"
    from meltano.core.settings.plugin_settings import plugin_settings

    settings = plugin_settings(project, mapping)
    # the mapping's config replaces the mapper's, as 4.4.1 runs it
    assert settings.config() == {"over": 2, "stream_maps": {"a": None}}
    env = settings.env()
    assert env["MMT__MAPPING"] == "true" and env["MELTANO_MAP__MAPPING_NAME"] == "hide-emails"
    assert "HIDE_EMAILS_OVER" not in env and env["MMT_OVER"] == "2"
    from meltano.core.settings.process_env import identity_env

    assert identity_env(mapping)["MELTANO_MAPPER_NAME"] == "meltano-map-transformer"
    assert identity_env(mapping)["MELTANO_MAPPER_NAMESPACE"] == "mmt"


def test_ambiguous_mapping_name(project_dir: Path) -> None:
    project = _project(
        project_dir,
        "plugins:\n  mappers:\n"
        "  - {name: m1, namespace: m1, mappings: [{name: dup}]}\n"
        "  - {name: m2, namespace: m2, mappings: [{name: dup}]}\n",
    )
    with pytest.raises(MeltanoError, match="Ambiguous mapping name dup"):
        find_plugin(project, "dup")
