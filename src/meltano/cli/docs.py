"""`meltano docs`: open the Meltano documentation in a web browser."""

from __future__ import annotations

import webbrowser

import click

DOCS_URL = "https://docs.meltano.com/"


@click.command("docs")
def command() -> None:
    """Open the Meltano documentation in your web browser."""
    click.echo(f"Opening the docs: {DOCS_URL}")
    if not webbrowser.open(DOCS_URL):
        click.echo("No web browser was found; open the address above yourself.")
