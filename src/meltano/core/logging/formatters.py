"""Formatter factories for `--log-format` and `logging.yaml`: console, JSON, key=value, plain.

Each factory takes the keyword arguments of Meltano 4.4.1's factory of the same name, so a
dictConfig file written for it works unchanged, e.g.
`formatters: {kv: {(): meltano.core.logging.key_value_formatter, sort_keys: true}}`.
`build_formatter` checks the arguments a file gives before calling a factory, so a wrong one is
an error naming the factory and the argument rather than dictConfig's "Unable to configure".
"""

from __future__ import annotations

import inspect
import logging
import os
import sys
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeGuard

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

from meltano.core.errors import MeltanoError
from meltano.core.logging.ansi import strip_ansi

GOOGLE_SOURCE_LOCATION = "logging.googleapis.com/sourceLocation"


class FormatterArgumentError(MeltanoError):
    """A formatter factory was given an argument it does not have, or a value it cannot use."""


def _is_set(value: str | None) -> bool:
    """The NO_COLOR convention: any value turns the switch on, except an empty or a falsy word."""
    return (value or "").strip().lower() not in ("", "0", "false", "no", "off")


def use_colors(stream: Any = None) -> bool:
    """Colour when writing to a terminal or FORCE_COLOR asks for it; NO_COLOR always wins."""
    if _is_set(os.environ.get("NO_COLOR")):
        return False
    if _is_set(os.environ.get("FORCE_COLOR")):
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


_CALLSITE = "_meltano_callsite"  # a LogRecord attribute


def wrap_for_formatter(
    logger: WrappedLogger, name: str, event_dict: EventDict
) -> tuple[tuple[EventDict], dict[str, dict[str, Any]]]:
    """structlog's hand-over to `logging` (the last processor), plus where the event was logged.

    Found here, at logging time, and passed as a record attribute so that a plain `logging`
    format never shows it: the record's own location can point into structlog when its
    logger was created before structlog's logger class was installed.
    """
    args, kwargs = structlog.stdlib.ProcessorFormatter.wrap_for_formatter(logger, name, event_dict)
    frame = sys._getframe(1)
    while frame.f_back is not None and frame.f_globals.get("__name__", "").startswith("structlog"):
        frame = frame.f_back
    kwargs["extra"][_CALLSITE] = (frame.f_code.co_filename, frame.f_lineno, frame.f_code.co_name)
    return args, kwargs


def _add_callsite(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
    """`pathname`, `lineno`, `func_name`, `process` of the logging call."""
    record = event_dict.get("_record")
    callsite = getattr(record, _CALLSITE, None)
    if isinstance(callsite, tuple):
        event_dict["pathname"], event_dict["lineno"], event_dict["func_name"] = callsite
    elif isinstance(record, logging.LogRecord):
        event_dict["pathname"] = record.pathname
        event_dict["lineno"] = record.lineno
        event_dict["func_name"] = record.funcName
    event_dict["process"] = record.process if isinstance(record, logging.LogRecord) else None
    return event_dict


def timestamper() -> Processor:
    """ISO timestamps, in UTC unless NO_UTC is set."""
    return structlog.processors.TimeStamper(fmt="iso", utc=not _is_set(os.environ.get("NO_UTC")))


def _pre_chain() -> list[Processor]:
    """Processors shared by structlog events and plain `logging` records."""
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        _add_tag,
        timestamper(),
    ]


def _exc_info(value: object) -> BaseException | None:
    if value is True:
        value = sys.exc_info()[1]
    if isinstance(value, tuple) and len(value) == 3:
        value = value[1]
    return value if isinstance(value, BaseException) else None


class _ExceptionText:
    """Turn `exc_info` into an `exception` traceback text: `max_frames` frames at most per
    exception (at least 4, the first and last halves; 0 keeps all), locals if asked."""

    def __init__(self, *, show_locals: bool, max_frames: int) -> None:
        self.show_locals = show_locals
        self.max_frames = max(4, max_frames) if max_frames > 0 else 0

    def __call__(self, _: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
        error = _exc_info(event_dict.pop("exc_info", None))
        if error is not None:
            report = traceback.TracebackException.from_exception(
                error, capture_locals=self.show_locals
            )
            event_dict["exception"] = "".join(self._lines(report)).rstrip("\n")
        return event_dict

    def _lines(self, report: traceback.TracebackException) -> Iterator[str]:
        if report.__cause__ is not None:
            yield from self._lines(report.__cause__)
            yield "\nThe above exception was the direct cause of the following exception:\n\n"
        elif report.__context__ is not None and not report.__suppress_context__:
            yield from self._lines(report.__context__)
            yield "\nDuring handling of the above exception, another exception occurred:\n\n"
        if report.stack:
            yield "Traceback (most recent call last):\n"
            frames = list(report.stack)
            if self.max_frames and len(frames) > self.max_frames:
                head = self.max_frames // 2
                tail = self.max_frames - head
                yield from traceback.StackSummary.from_list(frames[:head]).format()
                yield f"  ... {len(frames) - head - tail} frames hidden ...\n"
                yield from traceback.StackSummary.from_list(frames[-tail:]).format()
            else:
                yield from report.stack.format()
        yield from report.format_exception_only()


class _ConsoleRenderer:
    """`<timestamp> [<level>] <tag> <event> key=value ...`: all keys unless told otherwise."""

    _COLORS: Mapping[str, str] = {
        "debug": "\x1b[34m",
        "info": "\x1b[32m",
        "warning": "\x1b[33m",
        "error": "\x1b[31m",
        "critical": "\x1b[31;1m",
    }

    def __init__(
        self,
        *,
        colors: bool,
        include_keys: Sequence[str] | None = None,
        all_keys: bool | None = None,
    ) -> None:
        self.colors = colors
        self.shown: frozenset[str] | None = None  # None: every key
        if not all_keys and include_keys is not None:
            self.shown = frozenset(include_keys)
        elif all_keys is False:
            self.shown = frozenset()

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
        pairs = [
            f"{key}={value!r}"
            for key, value in event_dict.items()
            if self.shown is None or key in self.shown
        ]
        if pairs:
            line += " " + " ".join(pairs)
        if exception:
            line += "\n" + str(exception)
        return line


def _plain_renderer(_: WrappedLogger, __: str, event_dict: EventDict) -> str:
    text = str(event_dict.get("event", ""))
    if event_dict.get("exception"):
        text += "\n" + str(event_dict["exception"])
    return text


class _GoogleCloudLogging:
    """Google Cloud Logging's field names: `severity`, `message` and the source location."""

    def __init__(self, *, callsite: bool) -> None:
        self.callsite = callsite

    def __call__(self, _: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
        severity = str(event_dict.pop("level", "info")).upper()
        message = event_dict.pop("event", "")
        source = None
        if self.callsite:
            source = {
                "file": event_dict.pop("pathname", None),
                "line": str(event_dict.pop("lineno", "")),
                "function": event_dict.pop("func_name", None),
            }
        event_dict["severity"] = severity
        event_dict["message"] = message
        if source is not None:
            event_dict[GOOGLE_SOURCE_LOCATION] = source
        return event_dict


@dataclass(frozen=True)
class PlainLayout:
    """`logging.Formatter`'s own options: where the rendered event goes (`%(message)s`)."""

    fmt: str | None = None
    datefmt: str | None = None
    style: Literal["%", "{", "$"] = "%"
    validate: bool = True


class _Formatter(structlog.stdlib.ProcessorFormatter):
    """Our formatters; `verbatim_message` says the message appears in the output unchanged,
    `strips_ansi` that terminal escape codes in messages (plugins' colours) are dropped."""

    verbatim_message = False
    strips_ansi = True


def _strip_ansi_event(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
    event = event_dict.get("event")
    if isinstance(event, str) and "\x1b" in event:
        event_dict["event"] = strip_ansi(event)
    return event_dict


def _formatter(
    renderer: Processor,
    *,
    exceptions: Processor = structlog.processors.format_exc_info,
    callsite: bool = False,
    before_rendering: Sequence[Processor] = (),
    verbatim: bool = False,
    layout: PlainLayout | None = None,
    keeps_ansi: bool = False,
) -> logging.Formatter:
    """A ProcessorFormatter: exceptions, callsite, our keys, then `renderer` (inside `layout`).
    Terminal escape codes in messages are dropped unless `keeps_ansi` (a colour terminal)."""
    processors: list[Processor] = [exceptions]
    if callsite:
        processors.append(_add_callsite)  # reads the record: before the meta keys go
    processors += [
        structlog.stdlib.ProcessorFormatter.remove_processors_meta,
        _drop_internal_keys,
        *([] if keeps_ansi else [_strip_ansi_event]),
        *before_rendering,
        renderer,
    ]
    layout = layout or PlainLayout()
    formatter = _Formatter(
        foreign_pre_chain=_pre_chain(),
        processors=processors,
        fmt=layout.fmt,
        datefmt=layout.datefmt,
        style=layout.style,
        validate=layout.validate,
    )
    formatter.verbatim_message = verbatim
    formatter.strips_ansi = not keeps_ansi
    return formatter


_FLAG = "true or false"
_COUNT = "a whole number"
_KEYS = "a list of key names"
_TEXT = "text"
_CHECKS: Mapping[str, Callable[[object], bool]] = {
    _FLAG: lambda value: isinstance(value, bool),
    _COUNT: lambda value: isinstance(value, int) and not isinstance(value, bool),
    _KEYS: lambda value: (
        isinstance(value, (list, tuple)) and all(isinstance(key, str) for key in value)
    ),
    _TEXT: lambda value: isinstance(value, str),
}


def _require(factory: str, kind: str, **values: object) -> None:
    """Refuse a value of the wrong kind (None means the argument's default)."""
    for argument, value in values.items():
        if value is not None and not _CHECKS[kind](value):
            raise FormatterArgumentError(
                f"{factory}'s argument {argument!r} must be {kind}, not {value!r}",
                "Fix the value in the logging configuration",
            )


def console_log_formatter(
    *,
    colors: bool = False,
    callsite_parameters: bool = False,
    show_locals: bool = False,
    max_frames: int = 2,
    include_keys: Sequence[str] | None = None,
    all_keys: bool | None = None,
) -> logging.Formatter:
    """The human format: every key, or only `include_keys`, or none with `all_keys: false`."""
    name = "console_log_formatter"
    _require(name, _FLAG, colors=colors, callsite_parameters=callsite_parameters)
    _require(name, _FLAG, show_locals=show_locals, all_keys=all_keys)
    _require(name, _COUNT, max_frames=max_frames)
    _require(name, _KEYS, include_keys=include_keys)
    colored = bool(colors) and not _is_set(os.environ.get("NO_COLOR"))
    return _formatter(
        _ConsoleRenderer(colors=colored, include_keys=include_keys, all_keys=all_keys),
        exceptions=_ExceptionText(show_locals=bool(show_locals), max_frames=max_frames),
        callsite=bool(callsite_parameters),
        verbatim=True,
        keeps_ansi=colored,
    )


def json_formatter(
    *,
    callsite_parameters: bool = False,
    dict_tracebacks: bool = True,
    show_locals: bool = False,
    preset: Literal["google-cloud-logging"] | None = None,
) -> logging.Formatter:
    """One JSON object per line; tracebacks as structured frames unless `dict_tracebacks: false`."""
    name = "json_formatter"
    _require(name, _FLAG, callsite_parameters=callsite_parameters)
    _require(name, _FLAG, dict_tracebacks=dict_tracebacks, show_locals=show_locals)
    if preset not in (None, "google-cloud-logging"):
        raise FormatterArgumentError(
            f"{name} has no preset {preset!r}", "The only preset is 'google-cloud-logging'"
        )
    exceptions: Processor = structlog.processors.format_exc_info
    if dict_tracebacks is not False:
        exceptions = structlog.processors.ExceptionRenderer(
            structlog.tracebacks.ExceptionDictTransformer(
                show_locals=bool(show_locals), use_rich=False
            )
        )
    return _formatter(
        structlog.processors.JSONRenderer(),
        exceptions=exceptions,
        callsite=bool(callsite_parameters),
        before_rendering=[_GoogleCloudLogging(callsite=bool(callsite_parameters))]
        if preset
        else [],
    )


def key_value_formatter(
    *,
    sort_keys: bool = False,
    key_order: Sequence[str] | None = None,
    drop_missing: bool = False,
    callsite_parameters: bool = False,
) -> logging.Formatter:
    """`key='value'` lines: `key_order` first (None for a missing one unless `drop_missing`)."""
    name = "key_value_formatter"
    _require(name, _FLAG, sort_keys=sort_keys, drop_missing=drop_missing)
    _require(name, _FLAG, callsite_parameters=callsite_parameters)
    _require(name, _KEYS, key_order=key_order)
    return _formatter(
        structlog.processors.KeyValueRenderer(
            sort_keys=bool(sort_keys),
            key_order=list(key_order) if key_order is not None else None,
            drop_missing=bool(drop_missing),
        ),
        callsite=bool(callsite_parameters),
    )


def plain_formatter(
    *,
    fmt: str | None = None,
    datefmt: str | None = None,
    style: Literal["%", "{", "$"] = "%",
    validate: bool = True,
) -> logging.Formatter:
    """The event text only, or placed by `fmt` as `logging.Formatter` does (`%(message)s`)."""
    name = "plain_formatter"
    _require(name, _TEXT, fmt=fmt, datefmt=datefmt)
    _require(name, _FLAG, validate=validate)
    if style not in ("%", "{", "$"):
        raise FormatterArgumentError(
            f"{name}'s argument 'style' must be '%', '{{' or '$', not {style!r}",
            "Fix the value in the logging configuration",
        )
    try:
        layout = PlainLayout(fmt, datefmt, style, validate=validate is not False)
        return _formatter(_plain_renderer, verbatim=True, layout=layout)
    except ValueError as error:  # logging.Formatter's check of `fmt` against `style`
        raise FormatterArgumentError(
            f"{name}'s argument 'fmt' is not a {style}-style format: {error}",
            "Fix the format, or pass `validate: false`",
        ) from error


FACTORIES: Mapping[str, Callable[..., logging.Formatter]] = {
    "console_log_formatter": console_log_formatter,
    "json_formatter": json_formatter,
    "key_value_formatter": key_value_formatter,
    "plain_formatter": plain_formatter,
}
# The module paths a logging.yaml may name our factories by (4.4.1 has both).
FACTORY_MODULES = ("meltano.core.logging", "meltano.core.logging.formatters")


def is_factory_path(dotted: str) -> bool:
    """Whether `dotted` points into one of our formatter modules (a factory or a mistake)."""
    module, _, _ = dotted.rpartition(".")
    return module in FACTORY_MODULES


def build_formatter(dotted: str, arguments: Mapping[str, object]) -> logging.Formatter:
    """Call the factory `dotted` names with a logging.yaml's `arguments`, checking them first."""
    module, _, name = dotted.rpartition(".")
    factory = FACTORIES.get(name) if module in FACTORY_MODULES else None
    if factory is None:
        raise FormatterArgumentError(
            f"{dotted} is not a formatter factory",
            f"Use one of: {', '.join(f'meltano.core.logging.{known}' for known in FACTORIES)}",
        )
    accepted = list(inspect.signature(factory).parameters)
    given = dict(arguments)
    if "format" in given and "fmt" in accepted:  # dictConfig's spelling of logging's `fmt`
        given["fmt"] = given.pop("format")
    for argument in given:
        if argument not in accepted:
            raise FormatterArgumentError(
                f"{name} has no argument {argument!r}",
                f"Its arguments are: {', '.join(accepted)}",
            )
    return factory(**given)


def make_formatter(log_format: str) -> logging.Formatter:
    """Build the stderr formatter for one of `--log-format`'s values."""
    if log_format == "json":
        return json_formatter()
    if log_format == "key_value":
        return key_value_formatter(
            key_order=["timestamp", "level", "event", "logger"], drop_missing=True
        )
    if log_format == "plain":
        return plain_formatter()
    return console_log_formatter(colors=log_format == "colored" and use_colors())


def strips_ansi(formatter: logging.Formatter | None) -> bool:
    """Whether `formatter` is ours and drops terminal escape codes from messages."""
    return isinstance(formatter, _Formatter) and formatter.strips_ansi


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
