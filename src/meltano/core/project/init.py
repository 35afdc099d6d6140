"""`meltano init`: lay out a new project and create its system database."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from meltano.core.errors import MeltanoError
from meltano.core.ids import uuid7
from meltano.core.project import document
from meltano.core.project.project import FILENAME, Project

ENVIRONMENTS = ("dev", "staging", "prod")
# (path, content); `meltano.yml` is written separately and first.
SCAFFOLD: tuple[tuple[str, str], ...] = (
    ("README.md", ""),
    ("requirements.txt", ""),
    ("output/.gitignore", "*\n!.gitignore\n"),
    (".gitignore", "/venv\n/.meltano\n.env\n"),
    ("extract/.gitkeep", ""),
    ("load/.gitkeep", ""),
    ("transform/.gitkeep", ""),
    ("analyze/.gitkeep", ""),
    ("notebook/.gitkeep", ""),
    ("orchestrate/.gitkeep", ""),
)


@dataclass(frozen=True)
class InitResult:
    """What `init` did: the project, and each scaffold file with whether it was written."""

    project: Project
    files: tuple[tuple[str, bool], ...]


class ProjectExistsError(MeltanoError):
    def __init__(self, directory: Path) -> None:
        super().__init__(
            f"A `meltano.yml` file already exists in {directory}",
            "Use `--force` to overwrite it, or pick another directory",
        )


def project_document(*, usage_stats: bool, project_id: str) -> dict[str, Any]:
    """The exact `meltano.yml` a new project starts with."""
    data = document.new_map()
    data["default_environment"] = "dev"
    data["project_id"] = project_id
    environments = document.new_seq()
    for name in ENVIRONMENTS:
        entry = document.new_map()
        entry["name"] = name
        environments.append(entry)
    data["environments"] = environments
    if not usage_stats:
        data["send_anonymous_usage_stats"] = False
    return data


def init_project(
    directory: Path,
    *,
    usage_stats: bool,
    force: bool,
    environ: dict[str, str] | None = None,
) -> InitResult:
    """Create the project layout in `directory`; refuse an existing project unless forced."""
    meltanofile = directory / FILENAME
    if meltanofile.exists() and not force:
        raise ProjectExistsError(directory)
    if directory.exists() and not directory.is_dir():
        raise MeltanoError(f"{directory} exists and is not a directory", "Pick another path")
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise MeltanoError(
            f"Cannot create {directory}: {error.strerror}", "Check the path and your permissions"
        ) from error
    project_id = str(uuid7())
    document.write_atomically(
        meltanofile, document.dump(project_document(usage_stats=usage_stats, project_id=project_id))
    )
    written: list[tuple[str, bool]] = [(FILENAME, True)]
    for relative, content in SCAFFOLD:
        path = directory / relative
        if path.exists():
            written.append((relative, False))
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
        written.append((relative, True))
    project = Project(
        directory.resolve(), environ=dict(environ if environ is not None else os.environ)
    )
    project.ensure_sys_dir()
    (project.run_dir / "meltano.yml.lock").touch()
    _write_analytics(project, project_id=project_id, usage_stats=usage_stats)
    return InitResult(project=project, files=tuple(written))


def _write_analytics(project: Project, *, project_id: str, usage_stats: bool) -> None:
    path = project.sys_dir / "analytics.json"
    payload = {
        "client_id": str(uuid7()),
        "project_id": project_id,
        "send_anonymous_usage_stats": usage_stats,
    }
    path.write_text(json.dumps(payload))
