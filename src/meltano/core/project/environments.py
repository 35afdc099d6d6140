"""Environments: which one is active, and adding or removing them in `meltano.yml`."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from meltano.core.errors import MeltanoError
from meltano.core.project import document
from meltano.core.project.project import Project


class Policy(enum.Enum):
    """How a command treats the selected environment (see cli.md §1.5)."""

    REQUIRED = "required"  # `run`: fail when none is selected
    USE_DEFAULT = "use_default"  # explicit or `default_environment`
    IGNORE_DEFAULT = "ignore_default"  # explicit only; the default is dropped with a notice
    # Explicit only, as IGNORE_DEFAULT, for commands whose work never reads an environment
    # (`job`, `schedule`, `state`): dropping the default is said at debug level only.
    UNUSED = "unused"
    NEVER = "never"


class Origin(enum.Enum):
    """Where the selection came from."""

    OPTION = "--environment"
    ENV = "MELTANO_ENVIRONMENT"
    DOTENV = ".env"
    DEFAULT = "default_environment"


@dataclass(frozen=True)
class Selection:
    """The environment name a user selected (or none), and how."""

    name: str | None
    origin: Origin | None


class EnvironmentNotFoundError(MeltanoError):
    def __init__(self, name: str, known: list[str]) -> None:
        listed = ", ".join(known) if known else "none are defined"
        super().__init__(
            f"Environment '{name}' was not found",
            f"Known environments: {listed}. Add one with `meltano environment add`",
        )


class EnvironmentRequiredError(MeltanoError):
    def __init__(self) -> None:
        super().__init__(
            "A Meltano environment must be specified",
            "Set `default_environment` in meltano.yml, or pass `--environment NAME`",
        )


def select(project: Project, *, option: str | None, no_environment: bool) -> Selection:
    """Pick the environment: option, process env, `.env`, then `default_environment`."""
    if no_environment:
        return Selection(None, None)
    candidates: list[tuple[str | None, Origin]] = [
        (option, Origin.OPTION),
        (project.environ.get("MELTANO_ENVIRONMENT"), Origin.ENV),
        (project.dotenv.get("MELTANO_ENVIRONMENT"), Origin.DOTENV),
        (project.files.root.data.get("default_environment"), Origin.DEFAULT),
    ]
    for name, origin in candidates:
        if name:
            if str(name).lower() == "null":
                return Selection(None, origin)
            return Selection(str(name), origin)
    return Selection(None, None)


def apply_policy(selection: Selection, policy: Policy) -> Selection:
    """Drop or demand the selection as the command's policy says."""
    if policy is Policy.NEVER:
        return Selection(None, None)
    if policy in (Policy.IGNORE_DEFAULT, Policy.UNUSED) and selection.origin is Origin.DEFAULT:
        return Selection(None, None)
    if policy is Policy.REQUIRED and selection.name is None:
        raise EnvironmentRequiredError()
    return selection


def names(project: Project) -> list[str]:
    """Environment names in file order, included files after the root file."""
    return [str(entry["name"]) for entry in project.meltano.get("environments") or []]


def find(project: Project, name: str) -> dict[str, Any]:
    """The merged definition of environment `name`."""
    for entry in project.meltano.get("environments") or []:
        if entry["name"] == name:
            return dict(entry)
    raise EnvironmentNotFoundError(name, names(project))


def add(project: Project, name: str) -> None:
    """Append `- name: NAME` to the root file's `environments`."""
    if ":" in name:
        raise MeltanoError(
            f"Environment name {name!r} contains ':'",
            "Pick a name without ':' (it separates parts of state IDs)",
        )
    if not name.strip():
        raise MeltanoError("An environment name cannot be empty", "Pass a name")
    with project.edit() as files:
        if files.find("environments", name) is not None:
            raise MeltanoError(
                f"An Environment named '{name}' already exists",
                "Pick another name, or remove the existing one first",
            )
        data = files.root.data
        if not isinstance(data.get("environments"), list):
            data["environments"] = document.new_seq()
        entry = document.new_map()
        entry["name"] = name
        data["environments"].append(entry)


def remove(project: Project, name: str) -> None:
    """Remove environment `name` from whichever file defines it."""
    with project.edit() as files:
        found = files.find("environments", name)
        if found is None:
            raise EnvironmentNotFoundError(name, names(project))
        owner, entry = found
        owner.data["environments"].remove(entry)
