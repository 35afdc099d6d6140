"""`meltano upgrade [all|package|files|database]`: bring the project up to this Meltano."""

from __future__ import annotations

import os
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

import click

from meltano.cli.options import pass_project
from meltano.core.db.connect import HEAD
from meltano.core.plugins import bundles, finder
from meltano.core.plugins.installer import install_plugins
from meltano.core.plugins.types import PluginType
from meltano.core.project.project import Project
from meltano.core.settings.database import upgrade_database
from meltano.core.venvs.install import InstallStatus

DEFAULT_SUBCOMMAND = "all"


class DefaultAllGroup(click.Group):
    """Runs `all` when no subcommand (or only options) is given."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (args[0].startswith("-") and args[0] not in ("--help", "-h")):
            args = [DEFAULT_SUBCOMMAND, *args]
        return super().parse_args(ctx, args)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            help_text = self.commands[name].get_short_help_str(limit=60)
            rows.append((f"{name}*" if name == DEFAULT_SUBCOMMAND else name, help_text))
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group("upgrade", cls=DefaultAllGroup)
def command() -> None:
    """Upgrade Meltano and the project: package, file bundles, system database.

    `all` (the default) does every step; `meltano upgrade --skip-package` skips the package.
    """


pip_url_option = click.option(
    "--pip-url",
    envvar="MELTANO_UPGRADE_PIP_URL",
    metavar="URL",
    help="What to install instead of `meltano` from the package index.",
)
force_option = click.option(
    "--force",
    is_flag=True,
    envvar="MELTANO_UPGRADE_FORCE",
    help="Also give instructions for an editable (development) install.",
)


@dataclass(frozen=True)
class Installation:
    """How this Meltano was installed, as far as the upgrade advice cares."""

    prefix: str
    in_docker: bool
    in_nox: bool
    editable: bool

    @classmethod
    def current(cls) -> Installation:
        return cls(
            prefix=sys.prefix,
            in_docker=Path("/.dockerenv").exists(),
            in_nox=bool(os.environ.get("NOX_CURRENT_SESSION")),
            editable=_is_editable(),
        )


def package_instructions(
    installation: Installation, *, pip_url: str | None, force: bool
) -> list[str]:
    """Lines telling the user how to upgrade this installation of Meltano.

    We never replace the running interpreter's packages ourselves: with uv, pipx or Docker
    installs that breaks the environment, and the right command depends on how it was made.
    """
    target = pip_url or "meltano"
    if installation.in_docker:
        return [
            "Meltano is running inside a Docker container, so it is not upgraded in place.",
            "Pull a newer image (e.g. `docker pull meltano/meltano`) and recreate your containers.",
        ]
    if installation.in_nox:
        return ["Meltano is running in a nox session; it is not upgraded from here."]
    if installation.editable and not force:
        return [
            "This Meltano is an editable (development) install; update its checkout instead.",
            "Pass --force for the command that would reinstall it from the package index.",
        ]
    prefix = installation.prefix.replace(os.sep, "/")
    python = f"{prefix}/bin/python"
    if "/uv/tools/" in prefix:
        command_line = f"uv tool install --upgrade {shlex.quote(target)}"
    elif "/pipx/venvs/" in prefix:
        command_line = "pipx upgrade meltano" if not pip_url else f"pipx install --force {target}"
    else:
        command_line = f"{python} -m pip install --upgrade {shlex.quote(target)}"
    return ["To upgrade the meltano package, run:", f"    {command_line}"]


def _is_editable() -> bool:
    try:
        from importlib.metadata import PackageNotFoundError, distribution

        direct = distribution("meltano").read_text("direct_url.json") or ""
    except PackageNotFoundError:
        return False
    return '"editable": true' in direct.replace("\n", " ")


@command.command("package")
@pip_url_option
@force_option
def package(*, pip_url: str | None, force: bool) -> None:
    """Say how to upgrade the meltano package for this installation."""
    for line in package_instructions(Installation.current(), pip_url=pip_url, force=force):
        click.echo(line)


@command.command("files")
@pass_project()
def files(project: Project) -> None:
    """Rewrite files managed by file bundles (their `update` extra)."""
    update_files(project)


def update_files(project: Project) -> None:
    click.echo("Updating files managed by plugins...")
    plugins = [p for p in finder.find_all(project, command="upgrade") if p.type is PluginType.FILES]
    if not plugins:
        click.echo("Nothing to update")
        return
    for outcome in install_plugins(project, plugins, clean=True):
        if outcome.status is InstallStatus.FAILED and outcome.error is not None:
            raise outcome.error
    changed = [
        change for plugin in plugins for change in bundles.update_bundle_files(project, plugin)
    ]
    if not changed:
        click.echo("Nothing to update")


@command.command("database")
@pass_project(database=True)
def database(project: Project) -> None:
    """Apply pending migrations to the system database."""
    migrate_database(project)


def migrate_database(project: Project) -> None:
    click.echo("Applying migrations to system database...")
    if upgrade_database(project):
        click.echo(f"Upgrading database to {HEAD}")
    else:
        click.echo("System database up-to-date.")


@command.command("all")
@pip_url_option
@force_option
@click.option("--skip-package", is_flag=True, help="Skip the package step.")
@pass_project(database=True)
def upgrade_all(project: Project, *, pip_url: str | None, force: bool, skip_package: bool) -> None:
    """Every step: package instructions, file bundles, system database, project state."""
    if not skip_package and os.environ.get("MELTANO_PACKAGE_UPGRADED") != "true":
        for line in package_instructions(Installation.current(), pip_url=pip_url, force=force):
            click.echo(line)
        click.echo()
    update_files(project)
    click.echo()
    migrate_database(project)
    click.echo()
    # State documents have had one format since Meltano 2; nothing to rewrite yet.
    click.echo("Applying migrations to project state...")
    click.echo()
    click.echo("Your Meltano project has been upgraded!")
