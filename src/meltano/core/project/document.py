"""One YAML file on disk, read and written as a round trip (comments, order, flow style kept)."""

from __future__ import annotations

import contextlib
import fcntl
import io
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from meltano.core.booleans import is_truthy
from meltano.core.errors import ProjectFileError, cannot_write, is_storage_error

if TYPE_CHECKING:  # ruamel is imported when a file is really parsed or written
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    from ruamel.yaml.error import YAMLError

USER_CONFIG_ENV = "MELTANO_DISABLE_USER_YAML_CONFIG"
#: Deepest nesting a project file may have. Real files stay under 20 levels; the limit keeps
#: the YAML scanner (whose look-ahead grows with the depth) and every recursive walk of the
#: data fast and far from Python's recursion limit.
MAX_DEPTH = 100
#: How many values aliases may add to a file beyond those written in it. A handful of nested
#: anchors (`x2: &b [*a, *a, ...]`) can otherwise expand to billions of values in memory.
MAX_ALIAS_EXPANSION = 100_000
_TOO_DEEP = f"values are nested more than {MAX_DEPTH} levels deep here"
_SYNTAX = "Fix the YAML syntax at that position"
_FLATTEN = "Flatten the structure at that position"
_FLOW_SYNTAX = re.compile(r"[\[\]{}'\"#]")


@dataclass(frozen=True)
class YamlStyle:
    """Indentation for rewritten files; users may change it in their user config."""

    indent: int = 2
    block_seq_indent: int = 2
    sequence_dash_offset: int = 0


def user_yaml_style() -> YamlStyle:
    """Read `yaml: {indent, ...}` from `~/.config/meltano/config.yml` unless disabled."""
    if is_truthy(os.environ.get(USER_CONFIG_ENV, "")):
        return YamlStyle()
    config_home = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    path = config_home / "meltano" / "config.yml"
    if not path.is_file():
        return YamlStyle()
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    except (OSError, YAMLError):
        return YamlStyle()
    section = data.get("yaml") if isinstance(data, dict) else None
    if not isinstance(section, dict):
        return YamlStyle()
    default = YamlStyle()
    indent = int(section.get("indent") or default.indent)
    return YamlStyle(
        indent=indent,
        block_seq_indent=int(section.get("block_seq_indent", indent)),
        sequence_dash_offset=int(section.get("sequence_dash_offset", default.sequence_dash_offset)),
    )


def _round_trip_yaml(style: YamlStyle | None = None) -> YAML:
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 1_000_000  # never wrap long lines
    yaml.max_depth = MAX_DEPTH
    style = style or YamlStyle()
    yaml.indent(
        mapping=style.indent, sequence=style.block_seq_indent, offset=style.sequence_dash_offset
    )
    return yaml


def _describe(error: YAMLError, path: Path) -> str:
    from ruamel.yaml.composer import MaxDepthExceededError
    from ruamel.yaml.error import MarkedYAMLError

    if isinstance(error, MarkedYAMLError) and error.problem_mark is not None:
        mark = error.problem_mark
        problem = error.problem or "invalid YAML"
        if "\\t" in problem or "tab" in problem.lower():
            problem = "a tab character is not allowed for indentation; use spaces"
        if isinstance(error, MaxDepthExceededError):
            problem = _TOO_DEEP
        return f"{path}:{mark.line + 1}:{mark.column + 1}: {problem}"
    return f"{path}: {error}"


def new_map(items: Iterable[tuple[str, Any]] = ()) -> CommentedMap:
    """A mapping for a project file that keeps its key order and comments when written."""
    from ruamel.yaml.comments import CommentedMap

    return CommentedMap(items)


def new_seq(items: Iterable[Any] = ()) -> CommentedSeq:
    """A list for a project file that keeps its style (block or flow) when written."""
    from ruamel.yaml.comments import CommentedSeq

    return CommentedSeq(items)


def parse(text: str, path: Path) -> CommentedMap:
    """Parse one project file; an empty file gives an empty mapping."""
    from ruamel.yaml.comments import CommentedMap
    from ruamel.yaml.composer import MaxDepthExceededError
    from ruamel.yaml.error import YAMLError

    _check_flow_depth(text, path)
    try:
        data = _round_trip_yaml().load(text)
    except YAMLError as error:
        deep = isinstance(error, MaxDepthExceededError)
        raise ProjectFileError(_describe(error, path), _FLATTEN if deep else _SYNTAX) from error
    _check_alias_expansion(data, path)
    if data is None:
        return CommentedMap()
    if not isinstance(data, CommentedMap):
        raise ProjectFileError(
            f"{path}:1:1: the file must hold a mapping of keys to values, "
            f"not a {type(data).__name__}",
            "Start the file with top-level keys such as `plugins:`",
        )
    return data


def _check_flow_depth(text: str, path: Path) -> None:
    """Refuse `[[[[...` nested past MAX_DEPTH before the YAML scanner sees it.

    ruamel's scanner keeps every open bracket of a line as a possible key and rechecks all of
    them at each token, so a few thousand brackets cost it seconds before its own depth limit
    can speak. This pass only looks at brackets, quotes and comments; files with few brackets
    (nearly all) skip it.
    """
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return
    depth, position = 0, 0
    for match in _FLOW_SYNTAX.finditer(text):
        index = match.start()
        if index < position:  # inside a quoted scalar or comment already skipped
            continue
        char = match.group()
        starts_token = depth > 0 or _starts_block_token(text, index)
        if char == "#" and (index == 0 or text[index - 1] in " \t\n"):
            position = _line_end(text, index)
        elif char in "[{" and starts_token:
            depth += 1
            if depth > MAX_DEPTH:
                line = text.count("\n", 0, index)
                column = index - (text.rfind("\n", 0, index) + 1)
                raise ProjectFileError(f"{path}:{line + 1}:{column + 1}: {_TOO_DEEP}", _FLATTEN)
        elif char in "]}" and depth:
            depth -= 1
        elif char in "'\"" and starts_token:
            position = _quote_end(text, index)


def _starts_block_token(text: str, index: int) -> bool:
    """Whether `index` begins a node in block context: at a line start, after `- `, `: ` or
    `? `, or after an anchor or tag that does; not inside a plain scalar such as `a [b`."""
    while True:
        previous = index - 1
        while previous >= 0 and text[previous] in " \t":
            previous -= 1
        if previous < 0 or text[previous] == "\n":
            return True
        if text[previous] in ":-?":
            return previous < index - 1
        word = previous
        while word > 0 and text[word - 1] not in " \t\n":
            word -= 1
        if text[word] not in "&!" or word == index:
            return False
        index = word


def _line_end(text: str, index: int) -> int:
    end = text.find("\n", index)
    return len(text) if end < 0 else end


def _quote_end(text: str, index: int) -> int:
    """The offset after the quoted scalar opening at `index` (`''` and `\\"` escape)."""
    quote, position = text[index], index + 1
    while True:
        end = text.find(quote, position)
        if end < 0:
            return len(text)
        if quote == "'" and text.startswith("''", end):
            position = end + 2
        elif quote == '"' and (len(text[position:end]) - len(text[position:end].rstrip("\\"))) % 2:
            position = end + 1
        else:
            return end + 1


def _check_alias_expansion(data: Any, path: Path) -> None:
    """Refuse a file whose aliases would multiply it (a "billion laughs" document).

    An alias is the same Python object as its anchor, so sizes are computed once per object;
    the walk costs what the file holds, not what it expands to.
    """
    sizes: dict[int, int] = {}
    written = 0

    def size(node: Any) -> int:
        nonlocal written
        if not isinstance(node, (dict, list)):
            return 1
        known = sizes.get(id(node))
        if known is not None:
            return known
        children = list(node.items()) if isinstance(node, dict) else [(None, v) for v in node]
        total = 1 + sum(size(value) + (key is not None) for key, value in children)
        written += 1 + len(children) * (2 if isinstance(node, dict) else 1)
        sizes[id(node)] = total
        if total - written > MAX_ALIAS_EXPANSION:
            line, column = (node.lc.line, node.lc.col) if hasattr(node, "lc") else (0, 0)
            raise ProjectFileError(
                f"{path}:{line + 1}:{column + 1}: aliases here expand to {total:,} values, "
                f"more than {MAX_ALIAS_EXPANSION:,} beyond what the file holds",
                "Write the values out, or reference each anchor fewer times",
            )
        return total

    size(data)


def dump(data: Any, style: YamlStyle | None = None) -> str:
    """Render a round-trip document back to YAML text."""
    stream = io.StringIO()
    _round_trip_yaml(style).dump(data, stream)
    return stream.getvalue()


def write_atomically(path: Path, text: str, *, new_mode: int | None = None) -> None:
    """Replace `path` with `text` so readers see the old or the new file, never a torn one.

    The file keeps its mode; a new one gets `new_mode` (default: 0666 less the umask). A write
    that fails (a full disk) leaves the old file as it was and raises a `MeltanoError`.
    """
    try:
        mode: int | None = path.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = new_mode
    import tempfile  # with random, shutil, bz2 and lzma: only when a file is written

    temp: Path | None = None
    try:
        fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        temp = Path(temp_name)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is None:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        temp.chmod(mode)
        temp.replace(path)
    except BaseException as error:
        if temp is not None:
            with contextlib.suppress(OSError):
                temp.unlink()
        if isinstance(error, OSError) and is_storage_error(error):
            raise cannot_write(path, error, kept=path.exists()) from error
        raise


@contextlib.contextmanager
def file_lock(lock_path: Path) -> Iterator[None]:
    """Hold an exclusive inter-process lock on `lock_path` (created if needed)."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
