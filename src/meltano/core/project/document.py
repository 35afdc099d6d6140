"""One YAML file on disk, read and written as a round trip (comments, order, flow style kept)."""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from meltano.core.errors import ProjectFileError

if TYPE_CHECKING:  # ruamel is imported when a file is really parsed or written
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap
    from ruamel.yaml.error import YAMLError

USER_CONFIG_ENV = "MELTANO_DISABLE_USER_YAML_CONFIG"


@dataclass(frozen=True)
class YamlStyle:
    """Indentation for rewritten files; users may change it in their user config."""

    indent: int = 2
    block_seq_indent: int = 2
    sequence_dash_offset: int = 0


def user_yaml_style() -> YamlStyle:
    """Read `yaml: {indent, ...}` from `~/.config/meltano/config.yml` unless disabled."""
    if (os.environ.get(USER_CONFIG_ENV) or "").lower() in ("1", "true", "yes", "on"):
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
    style = style or YamlStyle()
    yaml.indent(
        mapping=style.indent, sequence=style.block_seq_indent, offset=style.sequence_dash_offset
    )
    return yaml


def _describe(error: YAMLError, path: Path) -> str:
    from ruamel.yaml.error import MarkedYAMLError

    if isinstance(error, MarkedYAMLError) and error.problem_mark is not None:
        mark = error.problem_mark
        problem = error.problem or "invalid YAML"
        if "\\t" in problem or "tab" in problem.lower():
            problem = "a tab character is not allowed for indentation; use spaces"
        return f"{path}:{mark.line + 1}:{mark.column + 1}: {problem}"
    return f"{path}: {error}"


def parse(text: str, path: Path) -> CommentedMap:
    """Parse one project file; an empty file gives an empty mapping."""
    from ruamel.yaml.comments import CommentedMap
    from ruamel.yaml.error import YAMLError

    try:
        data = _round_trip_yaml().load(text)
    except YAMLError as error:
        raise ProjectFileError(
            _describe(error, path), "Fix the YAML syntax at that position"
        ) from error
    if data is None:
        return CommentedMap()
    if not isinstance(data, CommentedMap):
        raise ProjectFileError(
            f"{path}:1:1: the file must hold a mapping of keys to values, "
            f"not a {type(data).__name__}",
            "Start the file with top-level keys such as `plugins:`",
        )
    return data


def dump(data: Any, style: YamlStyle | None = None) -> str:
    """Render a round-trip document back to YAML text."""
    stream = io.StringIO()
    _round_trip_yaml(style).dump(data, stream)
    return stream.getvalue()


def write_atomically(path: Path, text: str) -> None:
    """Replace `path` with `text` so readers see the old or the new file, never a torn one."""
    try:
        mode: int | None = path.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = None
    import tempfile

    fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    temp = Path(temp_name)
    try:
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
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise


@contextlib.contextmanager
def file_lock(lock_path: Path) -> Iterator[None]:
    """Hold an exclusive inter-process lock on `lock_path` (created if needed)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
