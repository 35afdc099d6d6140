"""Installing a transform: its dbt package and vars go into the transformer's dbt project.

A transform plugin (a dbt package that models one extractor's data, e.g. `tap-gitlab`) has no
virtualenv. Installing it, as 4.4.1 does, adds the package to `packages.yml` of the dbt project
and, in `dbt_project.yml`, a `models:` entry and the transform's `vars` under its namespace.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import structlog

from meltano.core.errors import MeltanoError
from meltano.core.plugins.project_plugin import project_plugins
from meltano.core.plugins.types import PluginType
from meltano.core.project.document import dump, parse, write_atomically
from meltano.core.settings.plugin_settings import plugin_settings

if TYPE_CHECKING:
    from meltano.core.plugins.project_plugin import ProjectPlugin
    from meltano.core.project.project import Project

log = structlog.get_logger("meltano")


class NoTransformerError(MeltanoError):
    def __init__(self, plugin: ProjectPlugin) -> None:
        super().__init__(
            f"Transform '{plugin.name}' needs a transformer (dbt) in the project",
            "Add one first, e.g. `meltano add --plugin-type transformer dbt-postgres`",
        )


def dbt_package(pip_url: str) -> dict[str, str]:
    """`https://host/repo.git@v1` -> {"git": "https://host/repo.git", "revision": "v1"}."""
    url, at, revision = pip_url.rpartition("@")
    if at and url.endswith(".git") and revision and "/" not in revision:
        return {"git": url, "revision": revision}
    return {"git": pip_url}


def install_transform(project: Project, plugin: ProjectPlugin) -> None:
    """Add the transform's package and vars to the dbt project of the first transformer."""

    transformer = next(
        (p for p in project_plugins(project) if p.type is PluginType.TRANSFORMERS), None
    )
    if transformer is None:
        raise NoTransformerError(plugin)
    configured = plugin_settings(project, transformer).value("project_dir")
    dbt_dir = Path(str(configured)) if configured else project.root / "transform"
    if plugin.pip_url:
        package = dbt_package(plugin.pip_url)
        log.info("adding dbt package", package=plugin.pip_url, file=_shown(project, dbt_dir))
        _edit(dbt_dir / "packages.yml", lambda data: _add_package(data, package))
    variables = plugin_settings(project, plugin).value("_vars") or {}
    log.info("adding dbt model", file=_shown(project, dbt_dir / "dbt_project.yml"))
    _edit(
        dbt_dir / "dbt_project.yml",
        lambda data: _add_model(data, plugin.namespace, dict(variables)),
    )


def _add_package(data: Any, package: dict[str, str]) -> None:
    packages = data.setdefault("packages", [])
    if package not in [dict(entry) for entry in packages if hasattr(entry, "items")]:
        packages.append(package)


def _add_model(data: Any, namespace: str, variables: dict[str, Any]) -> None:
    models = data.get("models")
    if not hasattr(models, "setdefault"):
        models = data["models"] = {}
    models.setdefault(namespace, {})
    if variables:
        all_vars = data.get("vars")
        if not hasattr(all_vars, "__setitem__"):
            all_vars = data["vars"] = {}
        all_vars[namespace] = variables


def _edit(path: Path, change: Any) -> None:
    try:
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        data = parse(text, path)
        change(data)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, dump(data))
    except OSError as error:
        raise MeltanoError(
            f"Cannot update {path}: {error.strerror}",
            "Check the transformer's `project_dir` and that the file is writable",
        ) from error


def _shown(project: Project, path: Path) -> str:
    try:
        return str(path.relative_to(project.root))
    except ValueError:
        return str(path)
