"""Console entry point: run the root group; turn a bug into one line, not a traceback."""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing: this path is hot
if TYPE_CHECKING:
    from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> None:
    """Run `meltano`; an unexpected exception prints one line and how to see the traceback."""
    args = list(argv) if argv is not None else sys.argv[1:]
    if args == ["--version"]:  # answered without importing click: scripts call this often
        from meltano import __version__

        sys.stdout.write(f"meltano, version {__version__}\n")
        return
    from meltano.cli.help_cache import HELP_ARGS, print_help

    if args in HELP_ARGS:
        print_help()
        return
    from meltano.cli.root import cli
    from meltano.core.errors import ExitCode

    try:
        cli.main(args=args, prog_name="meltano", standalone_mode=True)
    except Exception as error:
        report_bug(error)
        sys.exit(ExitCode.FAILED)


def report_bug(error: BaseException) -> None:
    """Print an unexpected error: a traceback at debug level, one line otherwise."""
    import click

    from meltano.core.logging import is_debug

    if is_debug():
        import traceback

        traceback.print_exception(type(error), error, error.__traceback__, file=sys.stderr)
    click.secho(f"Error: unexpected {type(error).__name__}: {error}", err=True, fg="red")
    if not is_debug():
        click.echo(
            "This is a bug in meltano. Rerun with `--log-level=debug` to see the "
            "traceback, and include it when you report the problem.",
            err=True,
        )
