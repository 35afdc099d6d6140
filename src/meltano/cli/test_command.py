"""`meltano test [--all] [PLUGIN[:TEST]...]`: run plugins' `test*` commands."""

from __future__ import annotations

import asyncio
import shutil
from typing import Any

import click

from meltano.cli.install_switch import install_switch
from meltano.cli.options import pass_project
from meltano.core.errors import MeltanoError
from meltano.core.plugins import finder
from meltano.core.plugins.installer import ensure_installed
from meltano.core.plugins.invocation import prepare
from meltano.core.plugins.project_plugin import ProjectPlugin
from meltano.core.plugins.types import PluginType
from meltano.core.processes.pipes import run_command
from meltano.core.project.environments import Policy
from meltano.core.project.project import Project


def _selected(
    project: Project, names: tuple[str, ...], *, everything: bool
) -> list[tuple[ProjectPlugin, str]]:
    chosen: list[tuple[ProjectPlugin, str]] = []
    if everything:
        for plugin in finder.find_all(project, command="test"):
            if plugin.type is not PluginType.FILES:
                chosen += [(plugin, c) for c in plugin.commands if c.startswith("test")]
    for name in names:
        plugin_name, _, test = name.partition(":")
        plugin = finder.find(project, plugin_name, command="test")
        if test:
            if not test.startswith("test") or test not in plugin.commands:
                raise MeltanoError(
                    f"Plugin {plugin.name} does not have a test named '{test}'",
                    f"List its commands with `meltano invoke --list-commands {plugin.name}`",
                )
            chosen.append((plugin, test))
        else:
            chosen += [(plugin, c) for c in plugin.commands if c.startswith("test")]
    unique: dict[tuple[str, str], tuple[Any, str]] = {}
    for plugin, test in chosen:
        unique.setdefault((plugin.name, test), (plugin, test))
    return list(unique.values())


@click.command("test")
@click.option("--all", "everything", is_flag=True, help="Run every test of every plugin.")
@install_switch
@click.argument("names", nargs=-1, metavar="[PLUGIN[:TEST]]...")
@pass_project(environment_policy=Policy.USE_DEFAULT, database=True)
def command(
    project: Project, names: tuple[str, ...], *, everything: bool, install_mode: str | None
) -> None:
    """Run plugin commands whose names start with `test`; exit 1 if any fails."""

    tests = _selected(project, names, everything=everything)
    plugins = list({plugin.name: plugin for plugin, _ in tests}.values())
    if not ensure_installed(project, plugins, mode=install_mode):
        return
    width = shutil.get_terminal_size((80, 20)).columns
    results: list[tuple[str, bool]] = []
    for plugin, test in tests:
        label = f"{plugin.name}:{test}"
        click.echo(f"\n{f' {label} ':=^{width}}")
        with prepare(project, plugin, command=test) as invocation:
            code = asyncio.run(run_command(invocation.command()))
        results.append((label, code == 0))
    click.echo()
    for label, ok in results:
        click.echo(f"{label:.<52} {'success' if ok else 'failure'}")
    passed = sum(ok for _, ok in results)
    failed = len(results) - passed
    outcome = "successfully" if not failed else "with failures"
    click.echo(
        f"\n=== Testing completed {outcome}. {passed} test(s) successful. "
        f"{failed} test(s) failed. ==="
    )
    if failed:
        raise SystemExit(1)
