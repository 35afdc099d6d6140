"""The formatter factories take 4.4.1's keyword arguments, and each one changes the output."""

from __future__ import annotations

import json
import logging
import sys

import pytest

from meltano.core.logging.formatters import (
    GOOGLE_SOURCE_LOCATION,
    FormatterArgumentError,
    build_formatter,
    console_log_formatter,
    json_formatter,
    key_value_formatter,
    make_formatter,
    plain_formatter,
)


def record(*, exc_info: bool = False, **extra: object) -> logging.LogRecord:
    info = None
    if exc_info:
        try:
            _deep_failure(8)
        except RuntimeError:
            info = sys.exc_info()
    made = logging.LogRecord(
        "meltano.core.x", logging.INFO, "/src/x.py", 7, "hello", (), info, func="do_it"
    )
    made.__dict__.update(extra)
    return made


def _deep_failure(depth: int) -> None:
    secret_local = "local-value"  # noqa: F841 - shown by show_locals
    if depth == 0:
        raise RuntimeError("boom")
    if depth % 2:  # two call sites, so the traceback has no repeated frame to fold
        _deep_failure(depth - 1)
    else:
        _deep_failure(depth - 1)


def test_factories_keep_4_4_1_argument_names() -> None:
    import inspect

    def names(factory: object) -> list[str]:
        return list(inspect.signature(factory).parameters)  # type: ignore[arg-type]

    assert names(console_log_formatter) == [
        "colors",
        "callsite_parameters",
        "show_locals",
        "max_frames",
        "include_keys",
        "all_keys",
    ]
    assert names(json_formatter) == [
        "callsite_parameters",
        "dict_tracebacks",
        "show_locals",
        "preset",
    ]
    assert names(key_value_formatter) == [
        "sort_keys",
        "key_order",
        "drop_missing",
        "callsite_parameters",
    ]
    assert names(plain_formatter) == ["fmt", "datefmt", "style", "validate"]


def test_key_value_defaults_keep_insertion_order() -> None:
    assert key_value_formatter().format(record()).startswith("event='hello' level='info'")


def test_key_value_sort_keys_order_and_missing() -> None:
    line = key_value_formatter(sort_keys=True).format(record())
    assert line.split(" ")[0:3] == ["event='hello'", "level='info'", "logger='meltano'"]
    ordered = key_value_formatter(key_order=["timestamp", "absent", "event"]).format(record())
    assert ordered.startswith("timestamp='") and " absent=None event='hello' " in ordered
    dropped = key_value_formatter(key_order=["absent", "event"], drop_missing=True)
    assert dropped.format(record()).startswith("event='hello'")


def test_callsite_parameters_name_the_logging_call() -> None:
    line = key_value_formatter(callsite_parameters=True).format(record())
    assert "pathname='/src/x.py' lineno=7 func_name='do_it' process=" in line
    assert "pathname" not in key_value_formatter().format(record())
    assert json.loads(json_formatter(callsite_parameters=True).format(record()))["lineno"] == 7
    assert "func_name='do_it'" in console_log_formatter(callsite_parameters=True).format(record())


def test_json_tracebacks_as_frames_or_text_with_locals() -> None:
    structured = json.loads(json_formatter().format(record(exc_info=True)))
    (error,) = structured["exception"]
    assert error["exc_type"] == "RuntimeError" and error["exc_value"] == "boom"
    assert "locals" not in error["frames"][-1]
    with_locals = json.loads(json_formatter(show_locals=True).format(record(exc_info=True)))
    assert "secret_local" in with_locals["exception"][0]["frames"][-1]["locals"]
    text = json.loads(json_formatter(dict_tracebacks=False).format(record(exc_info=True)))
    assert text["exception"].startswith("Traceback (most recent call last):")
    assert text["exception"].endswith("RuntimeError: boom")


def test_json_google_cloud_logging_preset() -> None:
    line = json.loads(json_formatter(preset="google-cloud-logging").format(record()))
    assert (line["severity"], line["message"]) == ("INFO", "hello")
    assert "level" not in line and "event" not in line and GOOGLE_SOURCE_LOCATION not in line
    located = json_formatter(preset="google-cloud-logging", callsite_parameters=True)
    source = json.loads(located.format(record()))[GOOGLE_SOURCE_LOCATION]
    assert source == {"file": "/src/x.py", "line": "7", "function": "do_it"}


def test_console_keys_all_some_or_none() -> None:
    assert console_log_formatter().format(record()).endswith("meltano      hello")

    def render(formatter: logging.Formatter) -> str:
        """A structlog event (its event dict is the record's msg) with two keys."""
        event = record(_logger=logging.getLogger("meltano"), _name="info")
        event.msg = {"event": "hello", "run_id": "r1", "stdio": "stderr"}
        return formatter.format(event)

    assert render(console_log_formatter()).endswith("hello run_id='r1' stdio='stderr'")
    assert render(console_log_formatter(include_keys=["stdio"])).endswith("hello stdio='stderr'")
    assert render(console_log_formatter(all_keys=False)).endswith("hello")
    assert render(console_log_formatter(all_keys=True, include_keys=[])).endswith("stdio='stderr'")


def test_console_colors_unless_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    assert "\x1b[" in console_log_formatter(colors=True).format(record())
    assert "\x1b[" not in console_log_formatter().format(record())
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in console_log_formatter(colors=True).format(record())


def test_console_tracebacks_frames_and_locals() -> None:
    short = console_log_formatter().format(record(exc_info=True))
    assert "frames hidden ..." in short and short.endswith("RuntimeError: boom")
    assert short.count('  File "') == 4  # max_frames=2 keeps the first two and last two
    six = console_log_formatter(max_frames=6).format(record(exc_info=True))
    assert six.count('  File "') == 6
    full = console_log_formatter(max_frames=0).format(record(exc_info=True))
    assert "hidden" not in full and full.count('  File "') == 10
    assert "secret_local" not in full
    assert "secret_local = 'local-value'" in console_log_formatter(show_locals=True).format(
        record(exc_info=True)
    )


def test_plain_format_datefmt_style_validate() -> None:
    assert plain_formatter().format(record()) == "hello"
    assert plain_formatter(fmt="%(levelname)s|%(name)s|%(message)s").format(record()) == (
        "INFO|meltano.core.x|hello"
    )
    assert plain_formatter(fmt="{levelname}:{message}", style="{").format(record()) == "INFO:hello"
    dated = plain_formatter(fmt="%(asctime)s %(message)s", datefmt="%Y").format(record())
    assert len(dated.split(" ")[0]) == 4
    assert plain_formatter(fmt="fixed", validate=False).format(record()) == "fixed"
    with pytest.raises(FormatterArgumentError, match="not a %-style format"):
        plain_formatter(fmt="fixed")


def test_make_formatter_keeps_the_cli_formats() -> None:
    line = make_formatter("key_value").format(record())
    assert line.startswith("timestamp='") and "level='info' event='hello' logger='meltano'" in line
    assert make_formatter("plain").format(record()) == "hello"


def test_build_formatter_checks_names_and_values() -> None:
    built = build_formatter("meltano.core.logging.key_value_formatter", {"sort_keys": True})
    assert built.format(record()).startswith("event='hello' level='info' logger=")
    assert (
        build_formatter(
            "meltano.core.logging.formatters.plain_formatter", {"format": "%(levelname)s"}
        ).format(record())
        == "INFO"
    )
    with pytest.raises(FormatterArgumentError, match="key_value_formatter has no argument 'bogus'"):
        build_formatter("meltano.core.logging.key_value_formatter", {"bogus": 1})
    with pytest.raises(FormatterArgumentError, match="json_formatter has no argument 'format'"):
        build_formatter("meltano.core.logging.json_formatter", {"format": "%(message)s"})
    with pytest.raises(FormatterArgumentError, match="not a formatter factory"):
        build_formatter("meltano.core.logging.console_formatter", {})
    with pytest.raises(FormatterArgumentError, match="'sort_keys' must be true or false"):
        build_formatter("meltano.core.logging.key_value_formatter", {"sort_keys": "yes"})
    with pytest.raises(FormatterArgumentError, match="'max_frames' must be a whole number"):
        build_formatter("meltano.core.logging.console_log_formatter", {"max_frames": True})
    with pytest.raises(FormatterArgumentError, match="'include_keys' must be a list"):
        build_formatter("meltano.core.logging.console_log_formatter", {"include_keys": "a"})
    with pytest.raises(FormatterArgumentError, match="no preset 'other'"):
        build_formatter("meltano.core.logging.json_formatter", {"preset": "other"})
    with pytest.raises(FormatterArgumentError, match="'style' must be"):
        build_formatter("meltano.core.logging.plain_formatter", {"style": "%%"})


COLOURED = "\x1b[1;32mINFO\x1b[0m \x1b]8;;https://x.test\x1b\\a link\x1b]8;;\x1b\\ done\x1b(B"


def test_strip_ansi_drops_colours_links_and_short_escapes_only() -> None:
    from meltano.core.logging.ansi import strip_ansi

    assert strip_ansi(COLOURED) == "INFO a link done"
    assert strip_ansi("\x1b[2K\x1b[1Aprogress 50%") == "progress 50%"
    assert strip_ansi("title \x1b]0;unterminated\nnext line") == "title \nnext line"
    plain = "no escape [32m here"
    assert strip_ansi(plain) is plain


def test_plugin_colours_are_kept_only_by_the_colour_console() -> None:
    def plugin_line(formatter: logging.Formatter) -> str:
        line = logging.LogRecord("tap-x", logging.INFO, "(plugin)", 0, COLOURED, (), None)
        return formatter.format(line)

    assert COLOURED in plugin_line(console_log_formatter(colors=True))
    for formatter in (
        console_log_formatter(),
        make_formatter("uncolored"),  # the run log file's
        json_formatter(),
        key_value_formatter(),
        plain_formatter(),
    ):
        text = plugin_line(formatter)
        assert "INFO a link done" in text
        assert "\x1b" not in text and "\\u001b" not in text
