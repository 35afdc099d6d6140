"""Structured logging: one setup call from the CLI root, four renderers, dictConfig files.

Every log line goes to stderr through the standard library's `logging`, so a user's
`logging.yaml` (a `logging.config.dictConfig` document) can route it anywhere. The
formatter factories below are importable by name from such a file, e.g.
`(): meltano.core.logging.json_formatter`.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeGuard


def _import_structlog_without_rich() -> None:
    """Import structlog while hiding rich: structlog would load rich's pretty-printer and
    traceback modules (about 0.2 s) for features we do not use. Commands that render tables
    still import rich normally afterwards."""
    if "structlog" in sys.modules or "rich" in sys.modules:
        return
    sys.modules["rich"] = None  # type: ignore[assignment]  # makes `import rich` fail fast
    try:
        import structlog.stdlib  # noqa: F401
    finally:
        del sys.modules["rich"]


_import_structlog_without_rich()

import structlog  # noqa: E402 - must follow the import above
from structlog.typing import EventDict, Processor, WrappedLogger  # noqa: E402

from meltano.core.errors import MeltanoError  # noqa: E402

LEVELS: Mapping[str, int] = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "error": logging.ERROR,
    "critical": logging.CRITICAL,
    "disabled": logging.CRITICAL + 10,
}
FORMATS = ("colored", "uncolored", "json", "key_value", "plain")
DEFAULT_LEVEL = "info"
DEFAULT_FORMAT = "colored"
DEFAULT_CONFIG_FILE = "logging.yaml"

# Chatty third-party loggers that would drown our own lines at debug level.
_QUIET_LOGGERS = (
    "urllib3",
    "botocore",
    "boto3",
    "s3transfer",
    "alembic",
    "google",
    "azure",
    "snowplow_tracker",
    "httpx",
    "asyncio",
    "filelock",
)


@dataclass(frozen=True)
class LogSettings:
    """What the user asked for: `--log-level`, `--log-format`, `--log-config`."""

    level: str = DEFAULT_LEVEL
    format: str = DEFAULT_FORMAT
    config_file: str = DEFAULT_CONFIG_FILE


def _is_truthy(value: str | None) -> bool:
    return (value or "").strip().lower() not in ("", "0", "false", "no", "off")


def use_colors(stream: Any = None) -> bool:
    """Colour when writing to a terminal or FORCE_COLOR asks for it; NO_COLOR always wins."""
    if _is_truthy(os.environ.get("NO_COLOR")):
        return False
    if _is_truthy(os.environ.get("FORCE_COLOR")):
        return True
    target = stream if stream is not None else sys.stderr
    return bool(getattr(target, "isatty", lambda: False)())


def _add_tag(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
    """Name the source of a line: `meltano` for our code, the plugin name for plugin output."""
    record = event_dict.get("_record")
    name = event_dict.pop("logger_name", None) or getattr(record, "name", None) or "meltano"
    event_dict.setdefault("logger", "meltano" if name.split(".")[0] == "meltano" else name)
    return event_dict


def _drop_internal_keys(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
    for key in [k for k in event_dict if k.startswith("_")]:
        del event_dict[key]
    return event_dict


def _timestamper() -> Processor:
    return structlog.processors.TimeStamper(fmt="iso", utc=not _is_truthy(os.environ.get("NO_UTC")))


def _pre_chain() -> list[Processor]:
    """Processors shared by structlog events and plain `logging` records."""
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        _add_tag,
        _timestamper(),
    ]


class _ConsoleRenderer:
    """`<timestamp> [<level>] <tag> <event> key=value ...`."""

    _COLORS: Mapping[str, str] = {
        "debug": "\x1b[34m",
        "info": "\x1b[32m",
        "warning": "\x1b[33m",
        "error": "\x1b[31m",
        "critical": "\x1b[31;1m",
    }

    def __init__(self, *, colors: bool) -> None:
        self.colors = colors

    def __call__(self, _: WrappedLogger, __: str, event_dict: EventDict) -> str:
        level = str(event_dict.pop("level", "info"))
        timestamp = event_dict.pop("timestamp", "")
        tag = str(event_dict.pop("logger", "meltano"))
        event = str(event_dict.pop("event", ""))
        exception = event_dict.pop("exception", None)
        level_text = f"[{level:<9}]"
        if self.colors:
            level_text = f"{self._COLORS.get(level, '')}{level_text}\x1b[0m"
            tag = f"\x1b[34m{tag:<12}\x1b[0m"
        else:
            tag = f"{tag:<12}"
        line = f"{timestamp} {level_text} {tag} {event}"
        if event_dict:
            line += " " + " ".join(f"{key}={value!r}" for key, value in event_dict.items())
        if exception:
            line += "\n" + str(exception)
        return line


def _plain_renderer(_: WrappedLogger, __: str, event_dict: EventDict) -> str:
    text = str(event_dict.get("event", ""))
    if event_dict.get("exception"):
        text += "\n" + str(event_dict["exception"])
    return text


class _Formatter(structlog.stdlib.ProcessorFormatter):
    """Our formatters; `verbatim_message` says the message appears in the output unchanged."""

    verbatim_message = False


def _formatter(
    renderer: Processor, *, keep_exceptions: bool = True, verbatim: bool = False
) -> logging.Formatter:
    processors: list[Processor] = [structlog.stdlib.ProcessorFormatter.remove_processors_meta]
    if keep_exceptions:
        processors.insert(0, structlog.processors.format_exc_info)
    processors.append(_drop_internal_keys)
    processors.append(renderer)
    formatter = _Formatter(foreign_pre_chain=_pre_chain(), processors=processors)
    formatter.verbatim_message = verbatim
    return formatter


def copies_message(formatter: logging.Formatter | None) -> TypeGuard[_Formatter]:
    """Whether `formatter` is ours and puts a record's message into its output unchanged."""
    return isinstance(formatter, _Formatter) and formatter.verbatim_message


_MESSAGE_SLOT = "MELTANO-MESSAGE-SLOT-7f3a9c"


def message_template(
    formatter: logging.Formatter | None, record: logging.LogRecord
) -> tuple[str, str] | None:
    """The text `formatter` puts before and after the message of records like `record`.

    Only for our formatters that copy the message unchanged (not JSON or key=value, which
    escape it); None otherwise. Lets a flood of plugin lines be formatted once per batch
    instead of once per line, with the same output.
    """
    if not copies_message(formatter):
        return None
    record.msg, record.args = _MESSAGE_SLOT, None
    before, slot, after = formatter.format(record).partition(_MESSAGE_SLOT)
    return (before, after) if slot and _MESSAGE_SLOT not in after else None


def console_log_formatter(*, colors: bool = False) -> logging.Formatter:
    """The default human format; importable from a `logging.yaml`."""
    return _formatter(_ConsoleRenderer(colors=colors), verbatim=True)


def json_formatter() -> logging.Formatter:
    """One JSON object per line; importable from a `logging.yaml`."""
    return _formatter(structlog.processors.JSONRenderer())


def key_value_formatter() -> logging.Formatter:
    """`timestamp='...' level='info' event='...'` lines; importable from a `logging.yaml`."""
    return _formatter(
        structlog.processors.KeyValueRenderer(
            key_order=["timestamp", "level", "event", "logger"], drop_missing=True
        )
    )


def plain_formatter() -> logging.Formatter:
    """The event text only; importable from a `logging.yaml`."""
    return _formatter(_plain_renderer, verbatim=True)


def make_formatter(log_format: str) -> logging.Formatter:
    """Build the stderr formatter for one of FORMATS."""
    if log_format == "json":
        return json_formatter()
    if log_format == "key_value":
        return key_value_formatter()
    if log_format == "plain":
        return plain_formatter()
    colors = log_format == "colored" and use_colors()
    return console_log_formatter(colors=colors)


def _configure_structlog() -> None:
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.stdlib.filter_by_level,
            structlog.stdlib.add_log_level,
            structlog.stdlib.add_logger_name,
            structlog.stdlib.PositionalArgumentsFormatter(),
            _timestamper(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )


def find_config_file(config_file: str, *, cwd: Path | None = None) -> Path | None:
    """Find a logging dictConfig file, trying `.yml` for `.yaml` and vice versa."""
    path = Path(config_file)
    if not path.is_absolute() and cwd is not None:
        path = cwd / path
    candidates = [path]
    if path.suffix == ".yaml":
        candidates.append(path.with_suffix(".yml"))
    elif path.suffix == ".yml":
        candidates.append(path.with_suffix(".yaml"))
    return next((candidate for candidate in candidates if candidate.is_file()), None)


def _load_dict_config(path: Path) -> MutableMapping[str, Any]:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        document = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    except (OSError, YAMLError) as error:
        raise MeltanoError(
            f"Cannot read the logging configuration {path}: {error}",
            "Fix the file or pass another one with --log-config",
        ) from error
    if not isinstance(document, dict):
        raise MeltanoError(
            f"The logging configuration {path} is not a mapping",
            "Write a Python logging dictConfig document (version: 1, ...)",
        )
    return document


def setup_logging(settings: LogSettings, *, cwd: Path | None = None) -> None:
    """Configure structlog and the root logger once per process."""
    if settings.level not in LEVELS:
        raise MeltanoError(
            f"Unknown log level {settings.level!r}", f"Use one of: {', '.join(LEVELS)}"
        )
    if settings.format not in FORMATS:
        raise MeltanoError(
            f"Unknown log format {settings.format!r}", f"Use one of: {', '.join(FORMATS)}"
        )
    _configure_structlog()
    logging.captureWarnings(True)
    for name in _QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    config_path = find_config_file(settings.config_file, cwd=cwd)
    if config_path is not None:
        from logging.config import dictConfig

        try:
            dictConfig(dict(_load_dict_config(config_path)))
        except (ValueError, TypeError, AttributeError, ImportError) as error:
            raise MeltanoError(
                f"The logging configuration {config_path} is invalid: {error}",
                "Fix the dictConfig document or remove it",
            ) from error
        for name, logger in logging.root.manager.loggerDict.items():
            if name.split(".")[0] == "meltano" and isinstance(logger, logging.Logger):
                logger.disabled = False  # dictConfig disables loggers created before it ran
        structlog.get_logger("meltano").info("using logging configuration", path=str(config_path))
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(make_formatter(settings.format))
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(LEVELS[settings.level])


def is_debug() -> bool:
    """Whether the user asked for debug output (tracebacks included)."""
    return logging.getLogger().isEnabledFor(logging.DEBUG)
