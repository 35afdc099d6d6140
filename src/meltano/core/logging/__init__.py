"""Structured logging: one setup call from the CLI root, four formats, dictConfig files.

Every log line goes to stderr through the standard library's `logging`, so a user's
`logging.yaml` (a `logging.config.dictConfig` document) can route it anywhere. The formatter
factories (in `formatters.py`) are importable by name from such a file, e.g.
`(): meltano.core.logging.json_formatter`, with the keyword arguments Meltano 4.4.1's take.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import structlog

from meltano.core.errors import MeltanoError
from meltano.core.logging.ansi import strip_ansi
from meltano.core.logging.formatters import (
    FormatterArgumentError,
    build_formatter,
    console_log_formatter,
    copies_message,
    is_factory_path,
    json_formatter,
    key_value_formatter,
    make_formatter,
    message_template,
    plain_formatter,
    strips_ansi,
    timestamper,
    use_colors,
    wrap_for_formatter,
)

__all__ = [
    "DEFAULT_CONFIG_FILE",
    "DEFAULT_FORMAT",
    "DEFAULT_LEVEL",
    "FORMATS",
    "LEVELS",
    "LogSettings",
    "console_log_formatter",
    "copies_message",
    "find_config_file",
    "is_debug",
    "json_formatter",
    "key_value_formatter",
    "make_formatter",
    "message_template",
    "plain_formatter",
    "setup_logging",
    "strip_ansi",
    "strips_ansi",
    "use_colors",
]

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


def _configure_structlog() -> None:
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.stdlib.filter_by_level,
            structlog.stdlib.add_log_level,
            structlog.stdlib.add_logger_name,
            structlog.stdlib.PositionalArgumentsFormatter(),
            timestamper(),
            wrap_for_formatter,
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


def _causes(error: BaseException) -> str:
    """dictConfig's message and the causes it wraps ("Unable to configure handler 'x': ...")."""
    messages: list[str] = []
    current: BaseException | None = error
    while current is not None and len(messages) < 5:
        text = str(current)
        if text and not any(text in earlier for earlier in messages):
            messages.append(text)
        current = current.__cause__
    return ": ".join(messages)


def _build_our_formatters(document: MutableMapping[str, Any], path: Path) -> None:
    """Build the formatters that name our factories, so a wrong argument is reported by
    formatter and argument; dictConfig then receives them ready-made."""
    formatters = document.get("formatters")
    if not isinstance(formatters, dict):
        return
    for formatter_id, entry in formatters.items():
        factory = entry.get("()") if isinstance(entry, dict) else None
        if not isinstance(factory, str) or not is_factory_path(factory):
            continue
        arguments = {key: value for key, value in entry.items() if key not in ("()", ".")}
        try:
            formatter = build_formatter(factory, arguments)
        except FormatterArgumentError as error:
            raise MeltanoError(
                f"Formatter {formatter_id!r} in the logging configuration {path}: {error.reason}",
                error.instruction,
            ) from error
        ready: dict[str, Any] = {"()": lambda built=formatter: built}
        if "." in entry:  # attributes dictConfig sets on the result
            ready["."] = entry["."]
        formatters[formatter_id] = ready


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
        from logging.config import dictConfig  # with logging.handlers and socketserver

        document = _load_dict_config(config_path)
        _build_our_formatters(document, config_path)
        try:
            dictConfig(dict(document))
        except (ValueError, TypeError, AttributeError, ImportError) as error:
            raise MeltanoError(
                f"The logging configuration {config_path} is invalid: {_causes(error)}",
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


class FileLogHandler(logging.FileHandler):
    """A file handler that keeps its first write failure (a full disk) for its owner to
    report, instead of printing a traceback for every record it could not write.

    With `thread`, it takes only the records that thread logs (a run log file of one block set
    of `run --parallel`). That is a plain attribute, not a logging filter, so the batch path of
    plugin lines (`processes/plugin_logs.py`) can tell it will take a batch and write it whole.
    """

    failure: OSError | None = None

    def __init__(
        self, filename: str | os.PathLike[str], encoding: str, *, thread: int | None = None
    ) -> None:
        super().__init__(filename, encoding=encoding)
        self.thread = thread

    def takes(self, thread: int | None) -> bool:
        """Whether a record logged by `thread` belongs in this file."""
        return self.thread is None or thread == self.thread

    def handle(self, record: logging.LogRecord) -> bool:
        if not self.takes(record.thread):
            return False
        return super().handle(record)

    def handleError(self, record: logging.LogRecord) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, OSError):
            self.failure = self.failure or error
        else:
            super().handleError(record)

    def emit(self, record: logging.LogRecord) -> None:
        if self.failure is None:
            super().emit(record)


def is_debug() -> bool:
    """Whether the user asked for debug output (tracebacks included)."""
    return logging.getLogger().isEnabledFor(logging.DEBUG)
