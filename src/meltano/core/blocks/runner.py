"""Execute a plan of blocks: extract-load sets on OS pipes, then command blocks, in order.

Per extract-load set with state updates on: take the state ID's kernel lock, fail stale run
records, refuse a live run unless forced, record the run (heartbeat every second), capture
the set's log lines into its own log file, hand the tap its state, store the target's STATE
lines, and finish the record SUCCESS or FAIL with the error.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import structlog

from meltano.core.blocks.history import Heartbeat, RunHistory
from meltano.core.blocks.parse import Block, CommandBlock, ExtractLoad
from meltano.core.blocks.retry import RetryPolicy, with_retries
from meltano.core.blocks.run_lock import PipelineRunningError, pipeline_lock
from meltano.core.blocks.run_log import capture_to_file, log_path
from meltano.core.blocks.state_io import CoalescingRecorder, FanOutStates, write_tap_state
from meltano.core.catalog.prepare import prepare_tap
from meltano.core.errors import MeltanoError
from meltano.core.ids import uuid7
from meltano.core.logging import make_formatter
from meltano.core.plugins.invocation import prepare
from meltano.core.plugins.lockfile import locked_or_fetched
from meltano.core.plugins.private import secure_dir
from meltano.core.plugins.project_plugin import find_plugin
from meltano.core.plugins.types import PluginType
from meltano.core.processes.lines import line_limit
from meltano.core.processes.outcome import PipelineError, PipelineTerminatedError
from meltano.core.processes.pipes import run_pipeline
from meltano.core.processes.plugin_logs import PluginLogs
from meltano.core.project.environments import EnvironmentRequiredError
from meltano.core.project.run_dirs import private_run_dir
from meltano.core.settings.database import open_database
from meltano.core.settings.expand import expand_text
from meltano.core.settings.process_env import active_environment, terminal_env
from meltano.core.settings.project_settings import get_setting
from meltano.core.state.backend import project_backend
from meltano.core.state.lease import run_lease
from meltano.core.state.model import check_state_id_characters
from meltano.core.state.recorder import Strategy, is_complete

if TYPE_CHECKING:
    from meltano.core.plugins.invocation import Invocation
    from meltano.core.plugins.project_plugin import ProjectPlugin
    from meltano.core.project.project import Project
    from meltano.core.state.backend import StateBackend

log = structlog.get_logger("meltano")


class RunFailedError(MeltanoError):
    """A block failed; the run stops there."""


@dataclass(frozen=True)
class RunOptions:
    """Everything `meltano run` (and `el`) lets the user decide."""

    dry_run: bool = False
    full_refresh: bool = False
    full_refresh_streams: tuple[str, ...] = ()  # these streams' bookmarks are left out
    no_state_update: bool = False
    force: bool = False
    strategy: Strategy = Strategy.AUTO
    state_id_suffix: str | None = None
    state_id: str | None = None  # `el --state-id`: replaces the computed ID
    run_id: str | None = None
    timeout: float | None = None
    refresh_catalog: bool = False
    trigger: str = "cli"
    catalog_file: Path | None = None  # `el --catalog`
    state_file: Path | None = None  # `el --state`
    select_filter: tuple[str, ...] = ()  # `el --select/--exclude`
    always_record: bool = False  # `el`: a run record even without state updates
    containers: bool = False  # `--containers`: plugins with a container_spec run in it
    # `--retries`, `--retry-delay`, `run.retries`; `retry_wait` sleeps (True: stop instead)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    retry_wait: Callable[[float], bool] | None = None


@dataclass
class RunReport:
    """What happened to each block."""

    completed: list[str] = field(default_factory=list)


class Runner:
    """Runs blocks of one project with one set of options."""

    def __init__(self, project: Project, options: RunOptions) -> None:
        self.project, self.options = project, options
        self._backend: StateBackend | None = None
        self._history: RunHistory | None = None

    @property
    def backend(self) -> StateBackend:
        if self._backend is None:
            self._backend = project_backend(self.project)
        return self._backend

    @property
    def history(self) -> RunHistory:
        if self._history is None:
            self._history = RunHistory(open_database(self.project))
        return self._history

    def run(self, plan: Sequence[Block]) -> RunReport:
        report = RunReport()
        for number, block in enumerate(plan, start=1):
            names = (
                [str(b) for b in block.blocks]
                if isinstance(block, ExtractLoad)
                else [str(block.plugin)]
            )
            if self.options.dry_run:
                log.info("dry run, would run block", number=f"{number}/{len(plan)}", blocks=names)
                continue
            attempts = with_retries(
                functools.partial(self._attempt, block),
                self.options.retry,
                name=" ".join(names),
                wait=self.options.retry_wait,
            )
            log.info("block run completed", blocks=names, success=True, attempts=attempts)
            report.completed.append(" ".join(names))
        return report

    def _attempt(self, block: Block, number: int) -> int:
        """Run the block once; a retry is a run of its own, with a new run ID and record."""
        runner = self if number == 1 else Runner(self.project, replace(self.options, run_id=None))
        if isinstance(block, ExtractLoad):
            runner.run_extract_load(block)
        else:
            runner.run_command_block(block)
        return number

    def record_not_started(self, plan: Sequence[Block], failure: MeltanoError) -> None:
        """Leave a FAIL run record for each extract-load set of a run that could not start
        (its automatic install failed), so the history shows the attempt and why."""
        if self.options.dry_run or not (
            self.options.always_record or not self.options.no_state_update
        ):
            return
        error = (
            f"{failure.reason}. {failure.instruction}" if failure.instruction else failure.reason
        )
        for block in plan:
            if isinstance(block, ExtractLoad):
                run_id = self.options.run_id or str(_uuid7())
                row = self.history.start(self.state_id(block), run_id, trigger=self.options.trigger)
                self.history.finish(row, error=error)

    # -- extract-load sets -------------------------------------------------------------

    def state_id(self, block: ExtractLoad) -> str:
        if self.options.state_id:
            return check_state_id_characters(self.options.state_id)

        environment = self.project.environment
        if environment is None:
            raise EnvironmentRequiredError()
        loaders = "+".join(loader.name for loader in block.loaders)  # a fan-out: a+b+...
        parts = [environment, f"{block.extractor.name}-to-{loaders}"]
        suffix = self.options.state_id_suffix
        if suffix is None:
            configured = active_environment(self.project).get("state_id_suffix")
            suffix = (
                expand_text(str(configured), terminal_env(self.project)) if configured else None
            )
        if suffix:
            parts.append(suffix)
        for part in parts:
            if ":" in part and part is not parts[1]:
                raise MeltanoError(
                    f"State ID component {part!r} contains ':'",
                    "Remove ':' from the environment name or suffix",
                )
        return check_state_id_characters(":".join(parts))

    def run_extract_load(self, block: ExtractLoad) -> None:
        state_id = self.state_id(block)
        run_id = self.options.run_id or str(_uuid7())
        records = self.options.always_record or not self.options.no_state_update
        if not records:
            self._run_set(block, state_id, run_id, row=None)
            return
        with pipeline_lock(self.project.run_dir, state_id, run_id) as lock:
            history = self.history
            if lock.previous_run_id and history.fail_run(
                lock.previous_run_id,
                "The process running this pipeline ended without "
                "finishing its run record (it was killed).",
            ):
                log.warning(
                    "marked run of a dead process as failed",
                    state_id=state_id,
                    run_id=lock.previous_run_id,
                )
            for summary, reason in history.mark_stale(state_id):
                log.warning(
                    "marked stale run as failed",
                    state_id=state_id,
                    run_id=summary.run_id,
                    reason=reason,
                )
            running = history.running(state_id)
            if running and not self.options.force:
                other = running[0]
                raise PipelineRunningError(
                    f"Another '{state_id}' pipeline is already running (run ID "
                    f"{other.run_id}, started at {other.started_at}); it is considered stale "
                    f"after {other.valid_until}",
                    "Wait for it to finish, or pass --force to run anyway",
                )
            if running:
                log.warning(
                    "force option is enabled, ignoring the running pipeline", state_id=state_id
                )

            # The kernel lock covers this host; the backend's lease covers hosts that share
            # the state backend (a conditional create, flock, or an advisory lock).
            with run_lease(self.backend, state_id, run_id, force=self.options.force):
                row = history.start(state_id, run_id, trigger=self.options.trigger)
                log.info("running pipeline", state_id=state_id, run_id=run_id)
                self._run_recorded(block, state_id, run_id, row)

    def _run_recorded(self, block: ExtractLoad, state_id: str, run_id: str, row: int) -> None:
        history = self.history
        error: str | None = "The process ended unexpectedly"
        try:
            with (
                Heartbeat(history, row),
                capture_to_file(
                    log_path(self.project.sys_dir, state_id, run_id), make_formatter("uncolored")
                ),
            ):
                self._run_set(block, state_id, run_id, row=row)
            error = None
        except PipelineTerminatedError as failure:
            error = (
                "The process was terminated" if "terminated" in failure.reason else failure.reason
            )
            raise
        except KeyboardInterrupt:
            error = "The process was interrupted"
            raise
        except MeltanoError as failure:
            error = _record_error(failure)
            raise
        finally:
            history.finish(row, error=error)

    def _run_set(self, block: ExtractLoad, state_id: str, run_id: str, *, row: int | None) -> None:
        plugins = self.plugins_of(block)
        with self.prepared(plugins, state_id, run_id) as invocations:
            complete = is_complete(self.options.strategy, full_refresh=self.options.full_refresh)
            on_saved = None
            if row is not None:
                history = self.history

                def on_saved(value: object) -> None:
                    history.record_state(row, value, partial=not complete)

            writes_state = not self.options.no_state_update
            recorder = (
                CoalescingRecorder(
                    self.backend,
                    state_id,
                    complete=complete,
                    plugin="+".join(loader.name for loader in block.loaders),
                    on_saved=on_saved,
                    refreshed_streams=(
                        self.options.full_refresh_streams
                        if self.options.strategy is Strategy.AUTO
                        else ()
                    ),
                )
                if writes_state
                else None
            )
            on_state: Any = recorder.on_line if recorder else _ignore_line
            if block.fan_out:
                names = [loader.name for loader in block.loaders]
                on_state = (
                    FanOutStates(recorder, names).handlers()
                    if recorder
                    else [_ignore_line] * len(names)
                )
            commands = [inv.command() for inv in invocations]
            logs = PluginLogs(
                [inv.plugin.name for inv in invocations],
                structured=["structured-logging" in inv.plugin.capabilities for inv in invocations],
            )
            buffer_size = int(get_setting(self.project, "elt.buffer_size"))
            try:
                outcome = asyncio.run(
                    run_pipeline(
                        commands,
                        on_state=on_state,
                        on_log=logs,
                        timeout=self.options.timeout,
                        line_limit=line_limit(buffer_size),
                    )
                )
            finally:
                if recorder is not None:
                    recorder.flush()
            if outcome.error is not None:
                log.error(
                    "block run failed",
                    blocks=[p.name for p in plugins],
                    exit_codes=list(outcome.exit_codes),
                )
                raise outcome.error

    def plugins_of(self, block: ExtractLoad) -> list[ProjectPlugin]:
        source = locked_or_fetched("run")
        return [
            find_plugin(self.project, ref.name, plugin_type=ref.plugin_type, definitions=source)
            for ref in block.blocks
        ]

    @contextlib.contextmanager
    def prepared(
        self, plugins: Sequence[ProjectPlugin], state_id: str, run_id: str
    ) -> Iterator[list[Invocation]]:
        """Prepare each plugin in order, each seeing what earlier ones export, then the tap's
        catalog and state."""

        upstream: dict[str, str] = {}
        invocations: list[Invocation] = []
        loaders_env: dict[str, str] | None = None  # what the first loader saw
        with (
            private_run_dir(self.project.runs_dir, run_id) as run_dir,
            contextlib.ExitStack() as stack,
        ):
            for plugin in plugins:
                if plugin.type is PluginType.LOADERS:
                    # The loaders of a fan-out run side by side: none sees another's exports.
                    loaders_env = dict(upstream) if loaders_env is None else loaders_env
                    upstream = dict(loaders_env)
                invocation = stack.enter_context(
                    prepare(
                        self.project,
                        plugin,
                        upstream_env=dict(upstream),
                        run_dir=secure_dir(run_dir / plugin.name),
                        containers=self.options.containers,
                        run_id=run_id,
                    )
                )
                upstream.update(invocation.exported_env())
                invocations.append(invocation)
            # Discovery starts the tap: only once every plugin's settings are known good.
            self._prepare_tap(invocations[0], state_id, prepare_tap, write_tap_state)
            yield invocations

    def _prepare_tap(
        self, invocation: Invocation, state_id: str, prepare_tap: Any, write_tap_state: Any
    ) -> None:
        options = self.options
        extras = invocation.settings.extras()
        state_path = None
        if "state" in invocation.plugin.capabilities:
            state_file = options.state_file or (
                Path(str(extras["_state"])) if extras.get("_state") else None
            )
            state_path = write_tap_state(
                self.backend,
                state_id,
                invocation.run_dir,
                full_refresh=options.full_refresh,
                state_file=state_file,
                refresh_streams=options.full_refresh_streams,
                project_root=self.project.root,
            )
        prepare_tap(
            self.project,
            invocation,
            state_path=state_path,
            refresh=options.refresh_catalog or options.full_refresh,
            catalog_file=options.catalog_file,
            select_filter=options.select_filter,
        )

    # -- command blocks ----------------------------------------------------------------

    def run_command_block(self, block: CommandBlock) -> None:
        ref = block.plugin
        plugin = find_plugin(
            self.project,
            ref.name,
            plugin_type=ref.plugin_type,
            definitions=locked_or_fetched("run"),
        )
        with prepare(
            self.project, plugin, command=ref.command, containers=self.options.containers
        ) as invocation:
            outcome = asyncio.run(
                run_pipeline(
                    [invocation.command()],
                    on_state=None,
                    on_log=PluginLogs([plugin.name]),
                    timeout=self.options.timeout,
                )
            )
        if outcome.error is not None:
            log.error("block run failed", blocks=[str(ref)], exit_codes=list(outcome.exit_codes))
            raise outcome.error


def _record_error(failure: MeltanoError) -> str:
    """What the run record keeps of an error: for a failed plugin, also its last stderr lines."""

    if isinstance(failure, PipelineError) and failure.instruction:
        return f"{failure.reason}. {failure.instruction}"
    return failure.reason


def _ignore_line(_: bytes) -> None:
    return None


def _uuid7() -> uuid.UUID:
    return uuid7()
