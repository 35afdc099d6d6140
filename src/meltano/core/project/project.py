"""A Meltano project on disk: where it is, its system directory, and safe edits of its files."""

from __future__ import annotations

import contextlib
import functools
import io
import os
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from meltano import __version__
from meltano.core.booleans import is_truthy
from meltano.core.errors import (
    MeltanoError,
    ProjectFileError,
    ProjectReadOnlyError,
    VersionMismatchError,
)
from meltano.core.project import document
from meltano.core.project.files import ProjectFiles
from meltano.core.project.run_dirs import remove_dead_run_dirs
from meltano.core.project.text_files import read_text_file
from meltano.core.project.validate import validate_document

FILENAME = "meltano.yml"
CACHEDIR_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by Meltano.\n"
    "# It marks this folder as disposable for backup tools. See:\n"
    "#   https://bford.info/cachedir/\n"
)


def find_root(start: Path, environ: Mapping[str, str]) -> Path | None:
    """The project root: `MELTANO_PROJECT_ROOT`, else the nearest ancestor with meltano.yml."""
    explicit = environ.get("MELTANO_PROJECT_ROOT")
    if explicit:
        root = (start / explicit).resolve()
        if not (root / FILENAME).is_file():
            raise MeltanoError(
                f"MELTANO_PROJECT_ROOT is {explicit}, but {root} has no {FILENAME}",
                "Point MELTANO_PROJECT_ROOT at a project directory, or unset it",
            )
        return root
    for directory in [start, *start.parents]:
        if (directory / FILENAME).is_file():
            return directory
    return None


@dataclass
class Project:
    """A project root plus what every command needs to know about it."""

    root: Path
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    env_file_option: Path | None = None
    environment: str | None = None  # the active environment, set once by the CLI
    database_uri_override: str | None = None  # `--database-uri` for this invocation

    @property
    def meltanofile(self) -> Path:
        return self.root / FILENAME

    @property
    def sys_dir(self) -> Path:
        """`.meltano`, or wherever MELTANO_SYS_DIR_ROOT puts it."""
        override = self.environ.get("MELTANO_SYS_DIR_ROOT")
        return (self.root / override).resolve() if override else self.root / ".meltano"

    @property
    def run_dir(self) -> Path:
        return self.sys_dir / "run"

    @property
    def runs_dir(self) -> Path:
        """Where each run keeps its private files (`run_dirs.private_run_dir`)."""
        return self.run_dir / "runs"

    @property
    def env_file(self) -> Path:
        """`.env`, or the file given with `--env-file` (relative to the project root)."""
        if self.env_file_option is None:
            return self.root / ".env"
        return self.root / self.env_file_option

    @functools.cached_property
    def files(self) -> ProjectFiles:
        """The project files as last read, for reading (edits go through `edit()`)."""
        return ProjectFiles.load(self.root, editable=False)

    @functools.cached_property
    def dotenv(self) -> dict[str, str]:
        """Variables from the dotenv file; unparsable lines are skipped with a warning."""
        if not self.env_file.is_file():
            return {}

        from dotenv import dotenv_values

        text = read_text_file(self.env_file, what="dotenv file")
        values = dotenv_values(stream=io.StringIO(text), interpolate=False)
        return {key: value for key, value in values.items() if value is not None}

    def refresh(self, *, files: bool = True) -> None:
        """Forget cached file contents so the next access reads the disk again (with
        `files=False`, only the dotenv file's)."""
        for name in ("files", "dotenv", "_merged") if files else ("dotenv",):
            self.__dict__.pop(name, None)

    @property
    def meltano(self) -> Mapping[str, Any]:
        """All project files merged into plain data, built once per read of the files.

        Shared by every caller (compile asks for it thousands of times on a big project, and
        a deep copy each time made it quadratic): read it, never change it; copy what you
        need to change.
        """
        files = self.files
        cached = self.__dict__.get("_merged")
        if cached is None or cached[0] is not files:
            cached = (files, files.merged())
            self.__dict__["_merged"] = cached
        merged: Mapping[str, Any] = cached[1]
        return merged

    def lookup(self, name: str) -> str | None:
        """A variable from the process environment, else from the dotenv file."""
        if name in self.environ:
            return self.environ[name]
        return self.dotenv.get(name)

    @property
    def readonly(self) -> bool:
        """Deployed read-only: `MELTANO_PROJECT_READONLY` or `project_readonly: true`."""
        value = self.lookup("MELTANO_PROJECT_READONLY")
        if value is not None:
            return is_truthy(value)
        return is_truthy(self.files.root.data.get("project_readonly", False))

    def check_requires_meltano(self) -> None:
        """Fail with exit code 3 when `requires_meltano` excludes this version."""
        spec = self.files.root.data.get("requires_meltano")
        if not spec:
            return

        from packaging.specifiers import InvalidSpecifier, SpecifierSet  # 20 ms

        try:
            specifier = SpecifierSet(str(spec))
        except InvalidSpecifier as error:
            raise ProjectFileError(
                f"requires_meltano {spec!r} is not a version specifier", "Write it like '>=3.0,<5'"
            ) from error
        if not specifier.contains(__version__, prereleases=True):
            raise VersionMismatchError(__version__, str(spec))

    def ensure_sys_dir(self) -> None:
        """Keep `.meltano/` marked as ignored and cacheable, and `run/bin` pointing at us;
        remove what killed runs left in `run/runs/` (their config files hold secrets)."""
        sys_dir = self.sys_dir
        try:
            sys_dir.mkdir(parents=True, exist_ok=True)
            gitignore = sys_dir / ".gitignore"
            if not gitignore.exists():
                gitignore.write_text("*\n")
            tag = sys_dir / "CACHEDIR.TAG"
            if not tag.exists():
                tag.write_text(CACHEDIR_TAG)
            self.run_dir.mkdir(exist_ok=True)
            _link_executable(self.run_dir / "bin")
            remove_dead_run_dirs(self.runs_dir)
        except OSError:
            return  # a read-only checkout still works; nothing here is essential

    @contextlib.contextmanager
    def edit(self) -> Iterator[ProjectFiles]:
        """Change project files under a lock; write each changed file atomically, or none."""
        if self.readonly:
            raise ProjectReadOnlyError()
        with document.file_lock(self.run_dir / "meltano.yml.lock"):
            self.refresh()
            files = ProjectFiles.load(self.root)
            yield files

            style = document.user_yaml_style()
            changed = files.changed()
            for project_file in changed:
                text = project_file.render(style)
                validate_document(project_file.path, document.parse(text, project_file.path))
            files.check_no_duplicates()
            for project_file in changed:
                document.write_atomically(project_file.path, project_file.render(style))
        self.refresh()

    @contextlib.contextmanager
    def edit_dotenv(self) -> Iterator[Path]:
        """Hold the dotenv file's lock while the caller reads, changes and rewrites it.

        Concurrent `config set --store=dotenv` commands each read, modify and write the whole
        file; without one lock around all three, the last writer drops the others' keys.
        """
        if self.readonly:
            raise ProjectReadOnlyError()
        with document.file_lock(self.run_dir / "dotenv.lock"):
            self.refresh()
            yield self.env_file
        self.refresh()


def _link_executable(link: Path) -> None:
    target = Path(sys.argv[0]).resolve() if sys.argv and sys.argv[0] else None
    if target is None or target.name != "meltano" or not target.is_file():
        return  # e.g. `python -m meltano` or a test runner: nothing sensible to link
    if link.is_symlink() and link.resolve() == target:
        return
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(target)
