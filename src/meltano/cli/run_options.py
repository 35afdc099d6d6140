"""Options shared by `meltano run` and `meltano el`."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TypeVar

import click

from meltano.core.state.recorder import Strategy

FC = TypeVar("FC", bound=Callable[..., object])


def run_id(_: click.Context, __: click.Parameter, value: str | None) -> str | None:
    """Check `--run-id`: a UUID, written in its canonical form."""
    if value is None:
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError as error:
        raise click.BadParameter(f"{value} is not a valid UUID.") from error


def strategy_option(func: FC) -> FC:
    """`--state-strategy` (and the deprecated `--merge-state`)."""
    func = click.option(
        "--merge-state",
        is_flag=True,
        hidden=True,
        help="Deprecated: same as --state-strategy merge.",
    )(func)
    return click.option(
        "--state-strategy",
        type=click.Choice(["auto", "merge", "overwrite"]),
        envvar="MELTANO_RUN_STATE_STRATEGY",
        default=None,
        help="How STATE messages are stored (default: auto).",
    )(func)


def resolve_strategy(state_strategy: str | None, merge_state: bool) -> Strategy:
    """The strategy the two options ask for; both at once is a usage error."""
    if merge_state and state_strategy not in (None, "merge"):
        raise click.UsageError("--merge-state and --state-strategy cannot be combined")
    return Strategy.MERGE if merge_state else Strategy(state_strategy or "auto")


def retry_options(func: FC) -> FC:
    """`--retries` and `--retry-delay` (settings `run.retries`, `run.retry_delay`)."""
    func = click.option(
        "--retry-delay",
        type=click.FloatRange(min=0),
        default=None,
        metavar="SECONDS",
        help="Seconds before the first retry, doubled for each one after it, with jitter "
        "(default: the run.retry_delay setting, else 1).",
    )(func)
    return click.option(
        "--retries",
        type=click.IntRange(min=0),
        default=None,
        help="Rerun a block set whose plugin failed up to this many times, from the state it "
        "committed (default: the job's retries, else the run.retries setting, else 0).",
    )(func)


def parallel_options(func: FC) -> FC:
    """`--parallel N` and `--fail-fast`."""
    func = click.option(
        "--fail-fast",
        is_flag=True,
        help="With --parallel: stop every block set once one fails.",
    )(func)
    return click.option(
        "--parallel",
        type=click.IntRange(min=1),
        default=None,
        metavar="N",
        help="Run up to N independent block sets at once, each with its own state ID.",
    )(func)
