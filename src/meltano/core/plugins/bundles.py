"""File bundles (`files` plugins): copy a package's `bundle/` files into the project.

A bundle is a Python package that installs a top-level `bundle/` directory. Which files
belong to it is read from the installed distribution's RECORD in the plugin's venv, so stray
files in site-packages are never copied. `meltano add` copies every bundled file (keeping
both versions when one exists); the plugin's `update` extra names files, by path or glob,
that Meltano manages: they carry a header and `meltano upgrade files` rewrites them.
"""

from __future__ import annotations

import csv
import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

import structlog

from meltano.core.booleans import is_truthy
from meltano.core.errors import MeltanoError
from meltano.core.plugins.invocation import plugin_venv
from meltano.core.settings.plugin_settings import plugin_settings

if TYPE_CHECKING:
    from meltano.core.plugins.project_plugin import ProjectPlugin
    from meltano.core.project.project import Project

log = structlog.get_logger("meltano")
BUNDLE_DIR = "bundle"
_COMMENT = {".py": "#", ".yml": "#", ".yaml": "#", ".sh": "#", ".toml": "#", ".cfg": "#"}
_COMMENT |= {".sql": "--", ".ini": ";"}


@dataclass(frozen=True)
class BundleFile:
    """One bundled file: where it goes in the project and where the venv has it."""

    relative: PurePosixPath
    source: Path


@dataclass(frozen=True)
class FileChange:
    """A file written into the project; `kept_both` when an existing file was left alone."""

    path: Path
    managed: bool
    kept_both: bool = False


class BundleNotInstalledError(MeltanoError):
    def __init__(self, plugin: ProjectPlugin) -> None:
        super().__init__(
            f"File bundle '{plugin.name}' has no installed files: its package installs no "
            f"'{BUNDLE_DIR}/' directory, or it is not installed",
            f"Install it with `meltano install --plugin-type files {plugin.name}`, and check "
            f"that its package ships a top-level '{BUNDLE_DIR}/' directory",
        )


def bundle_files(venv: Path) -> list[BundleFile]:
    """Files under `bundle/` listed in the RECORD of each distribution installed in `venv`."""
    found: dict[PurePosixPath, BundleFile] = {}
    for record in sorted(venv.glob("lib/python*/site-packages/*.dist-info/RECORD")):
        site_packages = record.parent.parent
        with record.open(newline="", encoding="utf-8") as handle:
            for row in csv.reader(handle):
                if not row:
                    continue
                path = PurePosixPath(row[0])
                if not _is_bundled(path):
                    continue
                relative = PurePosixPath(*path.parts[1:])
                found[relative] = BundleFile(relative, site_packages / path)
    return [found[key] for key in sorted(found)]


def _is_bundled(path: PurePosixPath) -> bool:
    if len(path.parts) < 2 or path.parts[0] != BUNDLE_DIR or ".." in path.parts:
        return False
    if "__pycache__" in path.parts or path.suffix == ".pyc":
        return False
    return path.parts[1:] != ("__init__.py",)  # what makes `bundle` a package, not content


def is_managed(relative: PurePosixPath, update: Mapping[str, Any]) -> bool:
    """Whether the `update` extra says Meltano keeps this file up to date (exact path wins)."""
    text = str(relative)
    if text in update:
        return is_truthy(update[text])
    matches = [
        is_truthy(flag) for pattern, flag in update.items() if fnmatch.fnmatch(text, pattern)
    ]
    return bool(matches) and all(matches)


def managed_header(plugin_name: str, relative: PurePosixPath) -> str:
    """The comment block that tells a reader a file is rewritten by `meltano upgrade files`."""
    marker = _COMMENT.get(relative.suffix)
    if marker is None:
        return ""
    lines = [
        f"This file is managed by the '{plugin_name}' file bundle: `meltano upgrade` rewrites it.",
        "To keep your own changes, stop the updates with",
        f"    meltano config set --plugin-type=files {plugin_name} _update {relative} false",
        f"or remove '{plugin_name}' from meltano.yml.",
    ]
    return "".join(f"{marker} {line}\n" for line in lines) + "\n"


def update_extra(project: Project, plugin: ProjectPlugin) -> dict[str, Any]:
    """The plugin's resolved `update` extra (path or glob -> bool)."""

    value = plugin_settings(project, plugin, use_db=True).value("_update")
    return dict(value) if isinstance(value, Mapping) else {}


def _venv_files(project: Project, plugin: ProjectPlugin) -> list[BundleFile]:
    files = bundle_files(plugin_venv(project, plugin))
    if not files:
        raise BundleNotInstalledError(plugin)
    return files


def _content(plugin: ProjectPlugin, bundled: BundleFile, *, managed: bool) -> bytes:
    data = bundled.source.read_bytes()
    header = managed_header(plugin.name, bundled.relative) if managed else ""
    return header.encode() + data


def add_bundle_files(project: Project, plugin: ProjectPlugin) -> list[FileChange]:
    """Copy every bundled file into the project; an existing file is kept beside the new one."""
    update = update_extra(project, plugin)
    changes = []
    for bundled in _venv_files(project, plugin):
        managed = is_managed(bundled.relative, update)
        target = project.root / Path(*bundled.relative.parts)
        kept_both = target.exists()
        if kept_both:
            target = target.with_name(f"{target.stem} ({plugin.name}){target.suffix}")
            log.info("file exists, keeping both versions", file=str(bundled.relative))
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(_content(plugin, bundled, managed=managed))
        log.info("created file", file=str(target.relative_to(project.root)))
        changes.append(FileChange(target, managed, kept_both))
    if not update:
        _forget(project, plugin)
    return changes


def update_bundle_files(project: Project, plugin: ProjectPlugin) -> list[FileChange]:
    """Rewrite the bundled files the `update` extra manages (those that changed)."""
    update = update_extra(project, plugin)
    changes = []
    for bundled in _venv_files(project, plugin):
        if not is_managed(bundled.relative, update):
            continue
        target = project.root / Path(*bundled.relative.parts)
        content = _content(plugin, bundled, managed=True)
        if target.is_file() and target.read_bytes() == content:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        log.info("updated file", file=str(bundled.relative))
        changes.append(FileChange(target, managed=True))
    return changes


def _forget(project: Project, plugin: ProjectPlugin) -> None:
    """A bundle that manages no file has done its job once its files are copied."""
    with project.edit() as files:
        found = files.find(plugin.type.value, plugin.name)
        if found is None:
            return
        owner, entry = found
        entries = owner.data["plugins"][plugin.type.value]
        entries.remove(entry)
        if not entries:
            del owner.data["plugins"][plugin.type.value]
    log.info(
        "file bundle removed from meltano.yml: it manages no files",
        name=plugin.name,
        hint="add an `update:` map to its entry to have `meltano upgrade files` manage files",
    )
