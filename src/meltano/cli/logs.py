"""`meltano logs list|show|dir`: run history and per-run log files."""

from __future__ import annotations

import datetime
from collections import deque
from collections.abc import Mapping
from pathlib import Path

import click

from meltano.cli.options import pass_project
from meltano.cli.render import as_json
from meltano.cli.summary_text import render_step
from meltano.core.blocks.history import RunHistory, RunSummary
from meltano.core.blocks.run_log import find_log, logs_dir
from meltano.core.errors import MeltanoError
from meltano.core.project.project import Project
from meltano.core.runs.summary import from_step_document
from meltano.core.settings.database import open_database

LARGE_FILE_BYTES = 2 * 1024 * 1024
TABLE_MIN_WIDTH = 80  # below this the run table is not fitted to the terminal
UNLIMITED_WIDTH = 10_000


def _history(project: Project) -> RunHistory:
    return RunHistory(open_database(project))


def _iso(moment: datetime.datetime | None) -> str | None:
    return moment.replace(tzinfo=datetime.timezone.utc).isoformat() if moment else None


def _duration(summary: RunSummary) -> float | None:
    if summary.started_at is None or summary.ended_at is None:
        return None
    elapsed: datetime.timedelta = summary.ended_at - summary.started_at
    return elapsed.total_seconds()


def _human_duration(seconds: float | None) -> str:
    if seconds is None:
        return "running"
    if seconds < 60:
        return f"{seconds:.1f}s"
    if seconds < 3600:
        return f"{seconds / 60:.1f}m"
    return f"{seconds / 3600:.1f}h"


@click.group("logs")
def command() -> None:
    """Show run history and the log files of pipeline runs."""


@command.command("list")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(min=1))
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text")
@pass_project(database=True)
def list_runs(project: Project, *, limit: int, output_format: str) -> None:
    """List recent runs, newest first."""
    runs = _history(project).recent(limit=limit)
    if output_format == "json":
        click.echo(
            as_json(
                {
                    "runs": [
                        {
                            "log_id": run.run_id,
                            "job_name": run.state_id,
                            "state": run.state,
                            "started_at": _iso(run.started_at),
                            "ended_at": _iso(run.ended_at),
                            "duration_seconds": _duration(run),
                            "trigger": run.trigger,
                            "summary": run.summary,
                        }
                        for run in runs
                    ],
                    "total": len(runs),
                }
            )
        )
        return
    if not runs:
        click.echo("No job runs found.")
        return
    from rich.console import Console
    from rich.table import Table

    status = {"SUCCESS": "✓ PASS", "FAIL": "✗ FAIL", "RUNNING": "→ RUN"}
    table = Table(title=f"Recent job runs (showing {len(runs)} of last {limit})", box=None)
    for column in ("STATUS", "LOG ID", "JOB NAME", "STARTED", "DURATION", "TRIGGER"):
        if column == "LOG ID":  # whole, always: `logs show` is given what is printed here
            table.add_column(column, no_wrap=True, min_width=len(runs[0].run_id))
        else:
            table.add_column(column, overflow="fold")  # wrapped, never cut with an ellipsis
    for run in runs:
        started = run.started_at.strftime("%Y-%m-%d %H:%M:%S") if run.started_at else ""
        table.add_row(
            status.get(run.state, run.state),
            run.run_id,
            run.state_id,
            started,
            _human_duration(_duration(run)),
            run.trigger or "manual",
        )
    terminal = Console()
    fits = terminal.is_terminal and terminal.width >= TABLE_MIN_WIDTH
    # Off a terminal (or on one too narrow for the columns) lines are as long as they need to
    # be, so no ID is cut; a terminal wraps them.
    Console(width=terminal.width if fits else UNLIMITED_WIDTH).print(table)
    click.echo("\nUse 'meltano logs show <LOG_ID>' to view a specific log.")


@command.command("show")
@click.argument("log_id")
@click.option("--tail", type=click.IntRange(min=1), help="Only the last N lines.")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text")
@pass_project(database=True)
def show_log(project: Project, log_id: str, *, tail: int | None, output_format: str) -> None:
    """Print a run's details and its log file."""

    run = _history(project).resolve(log_id)
    if output_format == "json":
        click.echo(
            as_json(
                {
                    "job_name": run.state_id,
                    "run_id": run.run_id,
                    "state": run.state,
                    "started_at": _iso(run.started_at),
                    "ended_at": _iso(run.ended_at),
                    "trigger": run.trigger,
                    "summary": run.summary,
                }
            )
        )
    else:
        started = run.started_at.replace(tzinfo=datetime.timezone.utc) if run.started_at else ""
        ended = run.ended_at.replace(tzinfo=datetime.timezone.utc) if run.ended_at else "Running"
        click.echo(
            f"Job: {run.state_id}\nRun ID: {run.run_id}\nState: {run.state}\n"
            f"Started: {started}\nEnded: {ended}\nTrigger: {run.trigger or 'Manual'}"
        )
        _print_summary(run.summary)
    path = find_log(project.sys_dir, run.state_id, run.run_id)
    if path is None:
        raise MeltanoError(
            f"Log file not found for job run {log_id}",
            "Runs with --no-state-update and runs that never started keep no log",
        )
    _print_log(path, tail)


def _print_summary(document: Mapping[str, object] | None) -> None:
    """The stored summary of a run, if it has one (rows 4.4.1 wrote have none)."""
    if document is None:
        return
    try:
        step = from_step_document(document)
    except (KeyError, TypeError, ValueError):
        return  # not a summary we wrote: the log below still says what happened
    click.echo(f"\nSummary:\n{render_step(step)}")


def _print_log(path: Path, tail: int | None) -> None:
    if tail is not None:
        with path.open(encoding="utf-8", errors="replace") as handle:
            lines = deque(handle, maxlen=tail)
        click.echo(f"\nLast {tail} lines:\n{'-' * 40}")
        click.echo("".join(lines), nl=False)
        return
    if path.stat().st_size > LARGE_FILE_BYTES and not click.confirm(
        f"The log file is {path.stat().st_size // 1024 // 1024} MiB. Print it anyway?",
        default=False,
    ):
        click.echo(f"Log file: {path}")
        return
    click.echo(f"\nLog content:\n{'-' * 12}")
    with path.open(encoding="utf-8", errors="replace") as handle:
        for line in handle:
            click.echo(line, nl=False)


@command.command("dir")
@pass_project()
def logs_directory(project: Project) -> None:
    """Print the directory that holds this project's run logs."""

    click.echo(str(logs_dir(project.sys_dir)))
