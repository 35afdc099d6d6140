"""What `meltano run` and `el` show besides log lines: progress while they run, then a summary.

`--summary text` (the default) prints the summary on stderr after the last log line, or, with
`--log-format json`, logs it as one `run summary` event so stderr stays JSON lines;
`--summary json` writes it on stdout as one JSON document (docs/run-summary.md);
`--summary none` prints nothing. `--progress-interval` sets the seconds between progress log
lines off a terminal (0 turns them off).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import click
import structlog

from meltano.cli.live_progress import is_live_terminal, showing_progress
from meltano.cli.render import as_json
from meltano.cli.root import CliState
from meltano.cli.summary_text import render_run
from meltano.core.runs.progress import DEFAULT_INTERVAL, Progress
from meltano.core.runs.summary import describe_failure, summarize_run, to_document

F = TypeVar("F", bound=Callable[..., Any])
SUMMARY_FORMATS = ("text", "json", "none")


def progress_options(func: F) -> F:
    """`--summary` and `--progress-interval`, for `run` and `el`."""
    func = click.option(
        "--progress-interval",
        type=click.FloatRange(min=0),
        default=DEFAULT_INTERVAL,
        show_default=True,
        envvar="MELTANO_RUN_PROGRESS_INTERVAL",
        help="Seconds between progress log lines when stderr is not a terminal (0: none).",
    )(func)
    return click.option(
        "--summary",
        "summary_format",
        type=click.Choice(SUMMARY_FORMATS),
        default="text",
        show_default=True,
        envvar="MELTANO_RUN_SUMMARY",
        help="The end-of-run summary: text on stderr, one JSON document on stdout, or none.",
    )(func)


@contextlib.contextmanager
def reported(progress: Progress, *, summary_format: str, interval: float) -> Iterator[None]:
    """Show the progress of what runs inside, then its summary, whatever the outcome."""
    state = click.get_current_context().find_object(CliState)
    log_format = state.log_format if state is not None else "colored"
    live = is_live_terminal(log_format)
    try:
        with showing_progress(progress, interval=interval, live=live):
            yield
    except BaseException as error:
        print_summary(progress, summary_format, log_format, error=describe_failure(error))
        raise
    print_summary(progress, summary_format, log_format, error=None)


def print_summary(
    progress: Progress, summary_format: str, log_format: str, *, error: str | None
) -> None:
    """Print the run's summary as asked; nothing when no step started (a dry run)."""
    if summary_format == "none" or not progress.started:
        return
    summary = summarize_run(progress, error=error)
    if summary_format == "json":
        click.echo(as_json(to_document(summary)))
    elif log_format == "json":
        structlog.get_logger("meltano").info("run summary", summary=to_document(summary))
    else:
        click.echo(render_run(summary), err=True)
