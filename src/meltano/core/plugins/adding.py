"""`meltano add`: turn a Hub definition, a custom definition or a reference into an entry.

Everything that decides what the entry looks like is pure (`hub_entry`, `custom_entry`,
`ordered_entry`); `add_plugin` does the I/O: Hub requests, lock files, the meltano.yml edit.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from meltano.core.errors import MeltanoError, ProjectReadOnlyError
from meltano.core.plugins import finder
from meltano.core.plugins.definition import PluginDefinition
from meltano.core.plugins.entries import (
    CUSTOM_ORDER,
    ENTRY_ORDER,
    hub_entry,
    is_empty,
    ordered_entry,
    python_for,
)
from meltano.core.plugins.hub import hub_client_for
from meltano.core.plugins.installer import install_plugins
from meltano.core.plugins.lockfile import write_lock
from meltano.core.plugins.project_plugin import read_lock_file
from meltano.core.plugins.types import PluginType, infer_type
from meltano.core.project import document
from meltano.core.venvs.install import InstallError, InstallStatus

if TYPE_CHECKING:
    from meltano.core.plugins.hub import HubClient
    from meltano.core.project.project import Project


@dataclass
class AddResult:
    """What `add` did for one plugin (and the plugins it required)."""

    plugin_type: PluginType
    name: str
    entry: dict[str, Any]
    updated: bool = False
    definition: PluginDefinition | None = None
    variant_advice: str | None = None  # set when the plugin exists with another variant
    required: list[AddResult] = field(default_factory=list)


def load_reference(ref: str) -> dict[str, Any]:
    """A plugin definition from a local YAML file or an http(s) URL (10 s timeout)."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    if ref.startswith(("http://", "https://")):
        import urllib.error  # with urllib.request: http.client and email, for URLs only
        import urllib.request

        try:
            with urllib.request.urlopen(ref, timeout=10) as response:
                text = response.read().decode("utf-8")
        except (urllib.error.URLError, TimeoutError, UnicodeDecodeError) as error:
            raise MeltanoError(
                f"Could not read the plugin definition at {ref}: {error}",
                "Check the URL, or download the file and pass its path",
            ) from error
    else:
        try:
            text = Path(ref).read_text(encoding="utf-8")
        except OSError as error:
            raise MeltanoError(
                f"Could not read the plugin definition {ref}: {error.strerror}",
                "Pass the path of a YAML file with the plugin definition",
            ) from error
    try:
        data = YAML(typ="safe").load(text)
    except YAMLError as error:
        raise MeltanoError(
            f"The plugin definition {ref} is not valid YAML: {error}", "Fix the YAML syntax"
        ) from error
    if not isinstance(data, dict):
        raise MeltanoError(
            f"The plugin definition {ref} is not a mapping",
            "Write the definition as YAML keys: name, namespace, ...",
        )
    missing = [key for key in ("name", "namespace") if not data.get(key)]
    if missing:
        raise MeltanoError(
            f"Plugin definition is invalid: missing properties ({', '.join(missing)})",
            "Add them to the definition file",
        )
    return data


def existing_entry(project: Project, plugin_type: PluginType, name: str) -> dict[str, Any] | None:
    for entry in (project.meltano.get("plugins") or {}).get(plugin_type.value) or []:
        if entry.get("name") == name:
            return dict(entry)
    return None


def variant_advice(plugin_type: PluginType, name: str, current: str | None, wanted: str) -> str:
    kind = plugin_type.singular
    return (
        f"{plugin_type.descriptor} '{name}' is already in your project with variant "
        f"'{current or 'default'}'; nothing was changed.\n"
        f"To switch it to '{wanted}': set `variant: {wanted}` (and its `pip_url`) on '{name}' "
        f"in meltano.yml, then run `meltano install --plugin-type {kind} {name}` and check its "
        f"settings with `meltano config list {name}`.\n"
        f"To keep both, add the other variant under its own name:\n"
        f"  meltano add --plugin-type {kind} {name}--{wanted} --inherit-from {name} "
        f"--variant {wanted}"
    )


def write_entry(
    project: Project,
    plugin_type: PluginType,
    entry: Mapping[str, Any],
    *,
    order: Sequence[str],
    replace_keys: Sequence[str] = (),
) -> bool:
    """Add the entry (to meltano.yml) or refresh `replace_keys` of an existing one in its file.

    Returns True when the plugin already existed.
    """
    with project.edit() as files:
        found = files.find(plugin_type.value, str(entry["name"]))
        if found is not None:
            _, current = found
            for key in replace_keys:
                if not is_empty(entry.get(key)):
                    current[key] = entry[key]
            return True
        data = files.root.data
        if not isinstance(data.get("plugins"), dict):
            data["plugins"] = document.new_map()
        if not isinstance(data["plugins"].get(plugin_type.value), list):
            data["plugins"][plugin_type.value] = document.new_seq()
        data["plugins"][plugin_type.value].append(ordered_entry(entry, order))
        return False


def add_from_hub(
    project: Project,
    client: HubClient,
    plugin_type: PluginType,
    name: str,
    *,
    variant: str | None,
    python: str | None,
    seen: set[tuple[str, str]],
) -> AddResult:
    """Add (or refresh) a shadowing Hub plugin, write its lock file, then what it requires."""

    existing = existing_entry(project, plugin_type, name)
    if existing is not None and variant and existing.get("variant") not in (None, variant):
        return AddResult(
            plugin_type,
            name,
            existing,
            variant_advice=variant_advice(plugin_type, name, existing.get("variant"), variant),
        )
    definition = client.definition(
        plugin_type.value, name, variant or (existing or {}).get("variant")
    )
    entry = hub_entry(definition, python=python_for(definition, python))
    if project.readonly:
        raise ProjectReadOnlyError()
    updated = write_entry(
        project, plugin_type, entry, order=ENTRY_ORDER, replace_keys=("variant", "pip_url")
    )
    write_lock(project.root, definition)
    result = AddResult(plugin_type, name, entry, updated=updated, definition=definition)
    seen.add((plugin_type.value, name))
    for required_type, items in (definition.requires or {}).items():
        for item in items or []:
            required_name = str(item.get("name"))
            kind = PluginType.parse(str(required_type))
            if (kind.value, required_name) in seen or existing_entry(project, kind, required_name):
                continue
            result.required.append(
                add_from_hub(
                    project,
                    client,
                    kind,
                    required_name,
                    variant=item.get("variant"),
                    python=None,
                    seen=seen,
                )
            )
    return result


def add_inheriting(
    project: Project,
    client: HubClient | None,
    plugin_type: PluginType,
    name: str,
    *,
    parent: str,
    variant: str | None,
) -> AddResult:
    """Add `name` inheriting from a project plugin, or from a Hub plugin's definition."""

    definition = None
    parent_entry = existing_entry(project, plugin_type, parent)
    if variant or parent_entry is None:
        if client is None:
            raise MeltanoError(f"Cannot find '{parent}' to inherit from", "Add it first")
        definition = client.definition(plugin_type.value, parent, variant)
        write_lock(project.root, definition)
    elif not parent_entry.get("namespace"):  # a Hub plugin in the project: show its links
        locked = read_lock_file(project, plugin_type, parent, parent_entry.get("variant"))
        if locked is not None:
            definition = PluginDefinition.from_dict(locked, plugin_type=plugin_type.value)
    entry = {"name": name, "inherit_from": parent, "variant": variant}
    updated = write_entry(
        project, plugin_type, entry, order=ENTRY_ORDER, replace_keys=("inherit_from", "variant")
    )
    return AddResult(plugin_type, name, entry, updated=updated, definition=definition)


def add_custom(project: Project, plugin_type: PluginType, entry: Mapping[str, Any]) -> AddResult:
    """Add a self-contained custom definition (from prompts or `--from-ref`)."""
    updated = write_entry(
        project,
        plugin_type,
        entry,
        order=CUSTOM_ORDER,
        replace_keys=tuple(k for k in entry if k != "name"),
    )
    return AddResult(plugin_type, str(entry["name"]), dict(entry), updated=updated)


@dataclass(frozen=True)
class AddRequest:
    """What `meltano add` was asked: plugin names, and where their definitions come from."""

    names: tuple[str, ...]
    plugin_type: PluginType | None = None  # None: inferred from each name
    variant: str | None = None
    inherit_from: str | None = None
    as_name: str | None = None  # `--as NAME`: add NAME, inheriting from the one name given
    custom: bool = False
    from_ref: str | None = None
    python: str | None = None


#: Asks the user for a custom plugin's entry: (plugin type, name, `--python`) -> entry.
DescribeCustom = Callable[[PluginType, str, "str | None"], Mapping[str, Any]]


def add_plugins(
    project: Project, request: AddRequest, *, describe_custom: DescribeCustom
) -> list[AddResult]:
    """Add each plugin: from a reference file, as custom, inheriting, or from the Hub."""
    if project.readonly:
        raise ProjectReadOnlyError()
    names, parent = list(request.names), request.inherit_from
    if request.as_name:
        parent, names = names[0], [request.as_name]
    client: HubClient | None = None
    results: list[AddResult] = []
    for name in names:
        if request.from_ref:
            reference = load_reference(request.from_ref)
            referenced = str(reference["name"])
            kind = request.plugin_type or infer_type(referenced)
            entry = {**reference, "python": request.python or reference.get("python")}
            results.append(add_custom(project, kind, entry))
            continue
        kind = request.plugin_type or infer_type(name)
        if request.custom:
            if kind in (PluginType.TRANSFORMS, PluginType.ORCHESTRATORS):
                raise MeltanoError(
                    f"--custom is not supported for {kind.value}",
                    "Add it from the Hub, or write its entry in meltano.yml",
                )
            results.append(add_custom(project, kind, describe_custom(kind, name, request.python)))
            continue
        client = client or hub_client_for(project, "add")
        if parent:
            results.append(
                add_inheriting(project, client, kind, name, parent=parent, variant=request.variant)
            )
        else:
            results.append(
                add_from_hub(
                    project,
                    client,
                    kind,
                    name,
                    variant=request.variant,
                    python=request.python,
                    seen=set(),
                )
            )
    return results


def install_added(project: Project, added: Sequence[AddResult], *, force: bool) -> None:
    """Install what `add` added; a failure says the entry stays, and how to install it later."""
    project.refresh()
    plugins = [
        finder.find(project, r.name, command="add", plugin_type=r.plugin_type) for r in added
    ]
    failed = [
        outcome
        for outcome in install_plugins(project, plugins, force=force)
        if outcome.status is InstallStatus.FAILED
    ]
    if failed:
        error, plugin = failed[0].error, failed[0].plugin
        fix = "fix its `pip_url` or `python`"
        if plugin.type is PluginType.TRANSFORMS and error is not None and error.instruction:
            fix = error.instruction[0].lower() + error.instruction[1:]  # e.g. add a transformer
        # the installer's last lines, as `meltano install` shows them
        said = error.said if isinstance(error, InstallError) else ""
        raise MeltanoError(
            f"Installation failed. {error.reason if error else failed[0].reason}",
            f"{said}The plugin stays in meltano.yml: {fix}, then run "
            f"`meltano install --plugin-type {plugin.type.singular} {plugin.name}`",
        )
