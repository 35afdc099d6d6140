"""Reading, checking and writing catalog files.

A catalog comes from a tap's `--discover` output or from a file the user names (`catalog` extra,
`el --catalog`). Whatever the source, a bad document becomes an `InvalidCatalogError` that says
where it came from and what to check. Writes go to a unique temporary file in the same directory
and are renamed into place, so two runs of one tap never see half a catalog of the other.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from meltano.core.catalog.codec import decode, encode
from meltano.core.catalog.metadata import Catalog
from meltano.core.errors import MeltanoError


@dataclass(frozen=True)
class CatalogSource:
    """Where a catalog came from, for error messages."""

    description: str  # e.g. "the catalog discovered by tap-github"
    hint: str  # what the user should check

    @classmethod
    def discovery(cls, plugin_name: str) -> CatalogSource:
        return cls(
            f"the catalog discovered by {plugin_name}",
            f"Check that `{plugin_name} --discover` prints only the catalog on standard output "
            "(logs belong on standard error), or pin a catalog file with the `catalog` extra",
        )

    @classmethod
    def file(cls, path: str) -> CatalogSource:
        return cls(
            f"the catalog file {path}",
            f"Check {path}: it must hold one JSON object with a `streams` list",
        )


class InvalidCatalogError(MeltanoError):
    """A catalog document is not JSON, not an object, or has no `streams` list."""

    def __init__(self, source: CatalogSource, problem: str) -> None:
        super().__init__(f"Invalid catalog: {source.description} {problem}", source.hint)
        self.source = source
        self.problem = problem


def parse_catalog(text: str, source: CatalogSource) -> Catalog:
    """Parse and check a catalog document."""
    if not text.strip():
        raise InvalidCatalogError(source, "is empty")
    try:
        document = decode(text)
    except ValueError as error:
        line, column, message = _position(error)
        where = f" at line {line}, column {column}" if line else ""
        raise InvalidCatalogError(source, f"is not valid JSON{where} ({message})") from None
    return validate_catalog(document, source)


def validate_catalog(document: object, source: CatalogSource) -> Catalog:
    """Return the document as a catalog, or say what is wrong with it."""
    if not isinstance(document, dict):
        kind = "empty" if document is None else f"a JSON {_json_kind(document)}"
        raise InvalidCatalogError(source, f"is {kind}, not an object with a `streams` list")
    found = document.get("streams")
    if not isinstance(found, list):
        problem = "has no `streams` list" if found is None else "has a `streams` that is not a list"
        raise InvalidCatalogError(source, problem)
    for index, stream in enumerate(found):
        if not isinstance(stream, dict):
            raise InvalidCatalogError(source, f"has a stream #{index + 1} that is not an object")
        if stream.get("metadata") is not None and not isinstance(stream["metadata"], list):
            name = stream.get("tap_stream_id", f"#{index + 1}")
            problem = f"has a `metadata` of stream {name!r} that is not a list"
            raise InvalidCatalogError(source, problem)
    return document


def read_catalog(
    path: Path, source: CatalogSource | None = None, *, errors: str = "strict"
) -> Catalog:
    """Read and check a catalog file (`errors` as for `str.decode`)."""
    source = source or CatalogSource.file(str(path))
    try:
        text = path.read_text(encoding="utf-8", errors=errors)
    except FileNotFoundError:
        raise InvalidCatalogError(source, "does not exist") from None
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidCatalogError(source, f"cannot be read ({error})") from None
    return parse_catalog(text, source)


def dump_catalog(catalog: Catalog) -> str:
    """The catalog as Meltano writes it: `json.dumps(catalog, indent=2)`."""
    return encode(catalog)


def write_catalog(path: Path, catalog: Catalog | str) -> None:
    """Write a catalog atomically: a unique temporary file beside `path`, then a rename."""
    text = catalog if isinstance(catalog, str) else dump_catalog(catalog)
    write_text_atomically(path, text)


def write_text_atomically(path: Path, text: str) -> None:
    """Replace `path` with `text` so readers see the old or the new content, never a mix."""
    with open_atomically(path) as handle:
        handle.write(text.encode("utf-8"))


@contextlib.contextmanager
def open_atomically(path: Path) -> Iterator[IO[bytes]]:
    """A file that replaces `path` when the block ends, or vanishes if the block raises."""
    temporary = temporary_beside(path)
    try:
        with temporary.open("wb") as handle:
            yield handle
        temporary.replace(path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def temporary_beside(path: Path, suffix: str = ".tmp") -> Path:
    """A new empty file with a unique name in `path`'s directory (renaming it is atomic)."""
    import tempfile  # with random, shutil, bz2 and lzma: only when a catalog is written

    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=suffix)
    os.close(descriptor)
    return Path(name)


def _json_kind(value: object) -> str:
    if isinstance(value, list):
        return "list"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "boolean"
    return "number"


def _position(error: ValueError) -> tuple[int, int, str]:
    if isinstance(error, json.JSONDecodeError):
        return error.lineno, error.colno, error.msg
    return 0, 0, str(error)
