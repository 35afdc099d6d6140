"""The `--install/--no-install/--only-install` switch shared by commands that run plugins."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def install_switch(func: F) -> F:
    """Add the three mutually exclusive flags as one `install_mode` argument."""
    decorated: F = click.option(
        "--install",
        "install_mode",
        flag_value="install",
        default=None,
        help="Install the plugins first if their venv is missing or out of date.",
    )(func)
    decorated = click.option(
        "--no-install", "install_mode", flag_value="no-install", help="Never install plugins."
    )(decorated)
    decorated = click.option(
        "--only-install",
        "install_mode",
        flag_value="only-install",
        help="Install the plugins, then stop.",
    )(decorated)
    return decorated


def containers_switch(func: F) -> F:
    """`--containers`: plugins (and commands) with a `container_spec` run in their image."""
    decorated: F = click.option(
        "--containers",
        is_flag=True,
        help="Run plugins that have a container_spec in their container (a Docker Engine).",
    )(func)
    return decorated
