"""`meltano --help` from the text click rendered last time, without importing click.

Help is typed often and importing click costs three times Python's own start-up. The first
`meltano --help` renders the text with click, prints it and keeps it in
`$XDG_CACHE_HOME/meltano/help/`; later ones print that file. Its name holds everything the
text depends on: our version, the size and modification time of the modules that define the
root group and its options, and the terminal width click wraps to. Any change is a miss.
"""

from __future__ import annotations

import os
import sys
import zlib

HELP_ARGS = (["--help"], ["-h"])
_SOURCES = ("root.py", "options.py", "help_cache.py")


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
