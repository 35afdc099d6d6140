"""Console entry point: run the root group; turn a bug into one line, not a traceback.

This is the start-up path of every command, so it imports almost nothing at its top. Two
fast paths answer without click: `--version`, and `--help` from the help cache: the first
`meltano --help` renders the text with click, prints it and keeps it in
`$XDG_CACHE_HOME/meltano/help/`; later ones print that file (importing click costs three
times Python's own start-up). The file's name holds everything the text depends on: our
version, the size and modification time of the modules that define the root group, and the
terminal width click wraps to. Any change is a miss. Both are needed by the benchmark's
"cold start" row (`--version`, `--help`).
"""

from __future__ import annotations

import os
import sys

HELP_ARGS = (["--help"], ["-h"])
_SOURCES = ("root.py", "main.py")  # the modules the root group's help text comes from
TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing: this path is hot
if TYPE_CHECKING:
    from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> None:
    """Run `meltano`; an unexpected exception prints one line and how to see the traceback."""
    args = list(argv) if argv is not None else sys.argv[1:]
    if args == ["--version"]:  # answered without importing click: scripts call this often
        from meltano import VERSION_TEXT

        sys.stdout.write(f"{VERSION_TEXT}\n")
        return
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


def _columns() -> int:
    """The width click's help formatter starts from, found as `shutil.get_terminal_size`
    finds it (without importing shutil): COLUMNS, else the terminal, else 80."""
    try:
        if (columns := int(os.environ["COLUMNS"])) > 0:
            return columns
    except (KeyError, ValueError):
        pass
    try:
        columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]  # None: caught below
    except (AttributeError, ValueError, OSError):
        return 80
    return columns if columns > 0 else 80


def cache_file() -> str | None:
    """Where the help text for this version, these sources and this width is kept.

    Plain `os.path` strings: importing pathlib would cost a third of what the cache saves.
    """
    from meltano import __version__

    here = os.path.dirname(__file__)  # noqa: PTH120 - see the docstring
    try:
        stats = [os.stat(os.path.join(here, name)) for name in _SOURCES]  # noqa: PTH116, PTH118
    except OSError:
        return None
    stamps = ";".join(f"{stat.st_mtime_ns}:{stat.st_size}" for stat in stats)
    import zlib  # not for `--version`

    key = zlib.crc32(f"{__version__};{stamps}".encode())
    root = os.environ.get("XDG_CACHE_HOME") or os.path.join(  # noqa: PTH118
        os.path.expanduser("~"),  # noqa: PTH111
        ".cache",
    )
    name = f"{__version__}-{_columns()}-{key:08x}.txt"
    return os.path.join(root, "meltano", "help", name)  # noqa: PTH118


def print_help() -> None:
    """Print the root group's help, from the cache when it holds this exact text."""
    path = cache_file()
    if path is not None:
        try:
            with open(path, encoding="utf-8") as cached:  # noqa: PTH123
                sys.stdout.write(cached.read())
            return
        except (OSError, UnicodeDecodeError):
            pass
    text = render() + "\n"  # click's help option echoes the text and a newline
    sys.stdout.write(text)
    if path is not None:
        _store(path, text)


def _store(path: str, text: str) -> None:
    from pathlib import Path

    target = Path(path)
    temporary = target.with_name(f".{target.name}.{os.getpid()}")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_text(text, encoding="utf-8")
        temporary.replace(target)
    except OSError:
        return  # no cache: the next --help renders the text again
    # Texts of other versions or sources can never be read again; other widths can.
    key = target.name.rsplit("-", 1)[-1]
    for stale in target.parent.glob("*.txt"):
        if not stale.name.endswith(f"-{key}"):
            stale.unlink(missing_ok=True)


def render() -> str:
    """The root group's help text, exactly as click formats it for `meltano --help`."""
    from meltano.cli.root import cli

    context = cli.context_class(cli, info_name="meltano", **cli.context_settings)
    return context.get_help()
