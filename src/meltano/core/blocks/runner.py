"""Execute a plan of blocks: extract-load sets on OS pipes, then command blocks, in order.

How one extract-load set runs (`Runner.run_extract_load`):

    context = runner.context(block)     # frozen: state ID, run ID, plugins resolved once
    with recorded_run(context, stores) as run:  # lock, stale runs, lease, history row, log file
        with (
            prepared_plugins(context) as invocations,  # config files, env, in pipe order
            recorded_state(context, stores, invocations[0], run) as state,  # read, coalesce
        ):
            prepare_catalog(context, invocations[0], state.tap_state)
            run.pipeline = asyncio.run(run_pipeline(..., on_state=state.on_state))
        # leaving: state flushed, history row finished from `run.result`, lock released

How the set ended is data: leaving `recorded_run`, `run.result` is a `BlockResult` whose
`status` is a `RunStatus` decided by the exception's type (never by its text), with the error
text the run record keeps, how each plugin process ended (`results`, `exit_codes`) and how
many STATE messages came and were stored. A command block gets the same `BlockResult` without
a run record. Whoever wants to watch (a summary, a progress display, a retry policy) passes
`on_result` to the `Runner`: it is called once per block that started, however it ended,
before its run record is finished. A fan-out (`tap target-a target-b`) is one context with one
state ID (`<env>:tap-to-target-a+target-b`): `state.on_state` gives one handler per loader, and
a state is stored once every loader has echoed it.

With state updates off (`--no-state-update`, and not `el`), `recorded_run` takes no lock and
writes no run record, and `recorded_state` reads the tap's state but stores none.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import functools
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
from meltano.core.plugins import finder
from meltano.core.plugins.invocation import prepare, share_secrets
from meltano.core.plugins.private import secure_dir
from meltano.core.plugins.types import PluginType
from meltano.core.processes.lines import line_limit
from meltano.core.processes.outcome import (
    PipelineError,
    PipelineInterruptedError,
    PipelineOutcome,
    PipelineTerminatedError,
    PipelineTimeoutError,
    ProcessResult,
    exit_status,
)
from meltano.core.processes.pipes import StateHandler, run_pipeline
from meltano.core.processes.plugin_logs import PluginLogs
from meltano.core.project.environments import EnvironmentRequiredError
from meltano.core.project.run_dirs import private_run_dir
from meltano.core.runs.progress import Progress, StepKind, StepProgress
from meltano.core.runs.summary import describe_failure, finish_step, step_document
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
DEAD_PROCESS_ERROR = (
    "The process running this pipeline ended without finishing its run record (it was killed)."
)


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


# -- outcomes, as data ------------------------------------------------------------------


class RunStatus(enum.Enum):
    """How a block ended."""

    SUCCEEDED = "succeeded"
    FAILED = "failed"  # a plugin failed, or anything else the user can fix
    TIMED_OUT = "timed out"  # `--timeout`
    TERMINATED = "terminated"  # SIGTERM to our process
    INTERRUPTED = "interrupted"  # SIGINT (Ctrl-C) to our process
    CRASHED = "crashed"  # an exception that is a bug in meltano


def status_of(error: BaseException | None) -> RunStatus:
    """The status a block ends with when `error` (None: nothing) leaves it."""
    if error is None:
        return RunStatus.SUCCEEDED
    if isinstance(error, PipelineTerminatedError):
        return RunStatus.TERMINATED
    if isinstance(error, (PipelineInterruptedError, KeyboardInterrupt)):
        return RunStatus.INTERRUPTED
    if isinstance(error, PipelineTimeoutError):
        return RunStatus.TIMED_OUT
    if isinstance(error, MeltanoError):
        return RunStatus.FAILED
    return RunStatus.CRASHED


def record_error(status: RunStatus, error: BaseException | None) -> str | None:
    """What the run record keeps of how a block ended: None when it succeeded; for a failed
    plugin, also its last stderr lines."""
    if status is RunStatus.SUCCEEDED:
        return None
    if status is RunStatus.TERMINATED:
        return "The process was terminated"
    if isinstance(error, PipelineError) and error.instruction:
        return f"{error.reason}. {error.instruction}"
    if isinstance(error, MeltanoError):
        return error.reason
    if status is RunStatus.INTERRUPTED:
        return "The process was interrupted"
    return "The process ended unexpectedly"


@dataclass(frozen=True)
class BlockResult:
    """How one block ended: what a summary, a progress display or a retry policy reads."""

    blocks: tuple[str, ...]  # the block's names, in pipe order
    status: RunStatus
    error: str | None  # as the run record keeps it; None when it succeeded
    results: tuple[ProcessResult, ...] = ()  # per process; empty when none started
    state_id: str | None = None  # extract-load sets only, like the rest
    run_id: str | None = None
    writes_state: bool = False  # False with --no-state-update (and for command blocks)
    state_messages: int = 0  # valid STATE messages the last process sent
    state_writes: int = 0  # times they were stored (coalesced)

    @property
    def ok(self) -> bool:
        return self.status is RunStatus.SUCCEEDED

    @property
    def exit_codes(self) -> tuple[tuple[str, int], ...]:
        """(plugin, shell-style exit code) per process."""
        return tuple((result.name, exit_status(result.returncode)) for result in self.results)


ResultHandler = Callable[[BlockResult], None]


@dataclass
class BlockRun:
    """One block while it runs: the body sets `pipeline`; `result` is set when it is over."""

    blocks: tuple[str, ...]
    context: RunContext | None = None  # extract-load sets
    history: RunHistory | None = None  # with `row`, when the set has a run record
    row: int | None = None
    pipeline: PipelineOutcome | None = None
    recorder: CoalescingRecorder | None = None  # set by `recorded_state` when state is stored
    result: BlockResult | None = None
    # The run record's summary (core/runs/summary.py), made from the result and the error
    # when the block is judged; None keeps no summary.
    summarize: Callable[[BlockResult, BaseException | None], dict[str, Any] | None] | None = None

    def record_state(self, singer_state: object, *, partial: bool) -> None:
        """Keep the latest stored state in the run record's payload, as 4.4.1 does."""
        if self.history is not None and self.row is not None:
            self.history.record_state(self.row, singer_state, partial=partial)

    def process_results(self, error: BaseException | None) -> tuple[ProcessResult, ...]:
        """How each process ended, from the outcome or from the error that carries it."""
        if self.pipeline is not None:
            return self.pipeline.results
        if isinstance(error, PipelineError):
            return error.results
        return ()


@contextlib.contextmanager
def judged(run: BlockRun, on_result: ResultHandler | None = None) -> Iterator[BlockRun]:
    """Decide `run.result` however the block ends, tell `on_result` (the run record is still
    open then, so an observer may add to it), and finish the run record."""
    error: BaseException | None = None
    try:
        yield run
    except BaseException as caught:
        error = caught
        raise
    finally:
        status = status_of(error)
        context, recorder = run.context, run.recorder
        run.result = BlockResult(
            blocks=run.blocks,
            status=status,
            error=record_error(status, error),
            results=run.process_results(error),
            state_id=context.state_id if context else None,
            run_id=context.run_id if context else None,
            writes_state=context.writes_state if context else False,
            state_messages=recorder.received if recorder else 0,
            state_writes=recorder.writes if recorder else 0,
        )
        try:
            if on_result is not None:
                on_result(run.result)
        finally:
            summary = run.summarize(run.result, error) if run.summarize is not None else None
            if run.history is not None and run.row is not None:
                run.history.finish(run.row, error=run.result.error, summary=summary)


# -- an extract-load set ----------------------------------------------------------------


@dataclass(frozen=True)
class RunContext:
    """What one extract-load set runs as, decided before anything starts."""

    project: Project
    options: RunOptions
    block: ExtractLoad
    state_id: str
    run_id: str
    plugins: tuple[ProjectPlugin, ...]  # extractor, mappers, loader: as the pipes connect them

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(str(ref) for ref in self.block.blocks)

    @property
    def loader_names(self) -> tuple[str, ...]:
        """The loader, or every loader of a fan-out."""
        return tuple(loader.name for loader in self.block.loaders)

    @property
    def records(self) -> bool:
        """Whether the set takes the lock and keeps a run record."""
        return self.options.always_record or not self.options.no_state_update

    @property
    def writes_state(self) -> bool:
        return not self.options.no_state_update

    @property
    def complete(self) -> bool:
        """Whether the target's STATE messages are stored as complete state."""
        return is_complete(self.options.strategy, full_refresh=self.options.full_refresh)


class Stores:
    """The state backend and run history of a run, opened on first use, shared by its sets."""

    def __init__(self, project: Project) -> None:
        self.project = project
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


def state_id_of(project: Project, options: RunOptions, block: ExtractLoad) -> str:
    """`--state-id`, else `<environment>:<extractor>-to-<loader>[:<suffix>]`."""
    if options.state_id:
        return check_state_id_characters(options.state_id)

    environment = project.environment
    if environment is None:
        raise EnvironmentRequiredError()
    loaders = "+".join(loader.name for loader in block.loaders)  # a fan-out: a+b+...
    parts = [environment, f"{block.extractor.name}-to-{loaders}"]
    suffix = options.state_id_suffix
    if suffix is None:
        configured = active_environment(project).get("state_id_suffix")
        suffix = expand_text(str(configured), terminal_env(project)) if configured else None
    if suffix:
        parts.append(suffix)
    for part in parts:
        if ":" in part and part is not parts[1]:
            raise MeltanoError(
                f"State ID component {part!r} contains ':'",
                "Remove ':' from the environment name or suffix",
            )
    return check_state_id_characters(":".join(parts))


@contextlib.contextmanager
def recorded_run(
    context: RunContext, stores: Stores, *, on_result: ResultHandler | None = None
) -> Iterator[BlockRun]:
    """Hold the set's lock and lease and keep its run record from start to finish.

    On entry: take the state ID's kernel lock, fail the record of a run whose process died
    holding it and any stale records, refuse a live run unless `--force`, take the backend's
    lease, start a RUNNING record with a heartbeat, and copy log lines into the run's log file.
    On exit, however the body ends: the record is finished from `run.result`.
    """
    if not context.records:
        with judged(BlockRun(context.names, context), on_result) as run:
            yield run
        return
    state_id, run_id = context.state_id, context.run_id
    with pipeline_lock(context.project.run_dir, state_id, run_id) as lock:
        history = stores.history
        if lock.previous_run_id and history.fail_run(lock.previous_run_id, DEAD_PROCESS_ERROR):
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
        _refuse_running(history, state_id, force=context.options.force)

        # The kernel lock covers this host; the backend's lease covers hosts that share
        # the state backend (a conditional create, flock, or an advisory lock).
        with run_lease(stores.backend, state_id, run_id, force=context.options.force):
            row = history.start(state_id, run_id, trigger=context.options.trigger)
            log.info("running pipeline", state_id=state_id, run_id=run_id)
            run = BlockRun(context.names, context, history, row)
            with (
                judged(run, on_result),
                Heartbeat(history, row),
                capture_to_file(
                    log_path(context.project.sys_dir, state_id, run_id),
                    make_formatter("uncolored"),
                ),
            ):
                yield run


def _refuse_running(history: RunHistory, state_id: str, *, force: bool) -> None:
    running = history.running(state_id)
    if running and not force:
        other = running[0]
        raise PipelineRunningError(
            f"Another '{state_id}' pipeline is already running (run ID "
            f"{other.run_id}, started at {other.started_at}); it is considered stale "
            f"after {other.valid_until}",
            "Wait for it to finish, or pass --force to run anyway",
        )
    if running:
        log.warning("force option is enabled, ignoring the running pipeline", state_id=state_id)


@dataclass
class RecordedState:
    """The set's state: the file the tap resumes from, and where the loaders' lines go."""

    tap_state: Path | None  # None: the tap starts without state
    recorder: CoalescingRecorder | None  # None: state updates are off
    loaders: tuple[str, ...]

    def on_line(self, line: bytes) -> None:
        """One line of the last process's stdout."""
        if self.recorder is not None:
            self.recorder.on_line(line)

    @property
    def on_state(self) -> StateHandler | list[StateHandler]:
        """`run_pipeline`'s `on_state`: one handler, or one per loader of a fan-out, whose
        states are stored once every loader has echoed them."""
        if len(self.loaders) == 1:
            return self.on_line
        if self.recorder is None:
            return [self.on_line] * len(self.loaders)
        return list(FanOutStates(self.recorder, self.loaders).handlers())


@contextlib.contextmanager
def recorded_state(
    context: RunContext, stores: Stores, tap: Invocation, run: BlockRun
) -> Iterator[RecordedState]:
    """Read the tap's state into its run directory; store the target's STATE lines, coalesced,
    and flush what is pending on every exit path (success, failure, signal)."""
    recorder = None
    tap_state = read_tap_state(context, stores, tap)
    if context.writes_state:
        complete = context.complete
        on_saved = None
        if run.row is not None:

            def on_saved(value: object) -> None:
                run.record_state(value, partial=not complete)

        recorder = CoalescingRecorder(
            stores.backend,
            context.state_id,
            complete=complete,
            plugin="+".join(context.loader_names),
            on_saved=on_saved,
            refreshed_streams=(
                context.options.full_refresh_streams
                if context.options.strategy is Strategy.AUTO
                else ()
            ),
        )
    run.recorder = recorder
    try:
        yield RecordedState(tap_state, recorder, context.loader_names)
    finally:
        if recorder is not None:
            recorder.flush()


def read_tap_state(context: RunContext, stores: Stores, tap: Invocation) -> Path | None:
    """The tap's `--state` file from the backend (or `--state`/the `state` extra), if it
    takes state."""
    if "state" not in tap.plugin.capabilities:
        return None
    options = context.options
    extras = tap.settings.extras()
    state_file = options.state_file or (
        Path(str(extras["_state"])) if extras.get("_state") else None
    )
    return write_tap_state(
        stores.backend,
        context.state_id,
        tap.run_dir,
        full_refresh=options.full_refresh,
        state_file=state_file,
        refresh_streams=options.full_refresh_streams,
        project_root=context.project.root,
    )


@contextlib.contextmanager
def prepared_plugins(
    context: RunContext, secrets: set[str] | None = None
) -> Iterator[list[Invocation]]:
    """Prepare each plugin in order, each seeing what earlier ones export; config files are
    deleted on exit. Every plugin masks the secrets of all of them and the `secrets` of the
    run's earlier blocks (`share_secrets`), which gets theirs."""
    upstream: dict[str, str] = {}
    invocations: list[Invocation] = []
    loaders_env: dict[str, str] | None = None  # what the first loader saw
    with (
        private_run_dir(context.project.runs_dir, context.run_id) as run_dir,
        contextlib.ExitStack() as stack,
    ):
        for plugin in context.plugins:
            if plugin.type is PluginType.LOADERS:
                # The loaders of a fan-out run side by side: none sees another's exports.
                loaders_env = dict(upstream) if loaders_env is None else loaders_env
                upstream = dict(loaders_env)
            invocation = stack.enter_context(
                prepare(
                    context.project,
                    plugin,
                    upstream_env=dict(upstream),
                    run_dir=secure_dir(run_dir / plugin.name),
                    containers=context.options.containers,
                    run_id=context.run_id,
                )
            )
            upstream.update(invocation.exported_env())
            invocations.append(invocation)
        share_secrets(invocations, set() if secrets is None else secrets)
        yield invocations


def prepare_catalog(context: RunContext, tap: Invocation, state_path: Path | None) -> None:
    """The tap's catalog: discovered or cached, selected, and handed to it. Discovery starts
    the tap, so this runs once every plugin's settings are known good."""
    options = context.options
    prepare_tap(
        context.project,
        tap,
        state_path=state_path,
        refresh=options.refresh_catalog or options.full_refresh,
        catalog_file=options.catalog_file,
        select_filter=options.select_filter,
    )


# -- the plan ---------------------------------------------------------------------------


@dataclass
class RunReport:
    """What happened to each block."""

    completed: list[str] = field(default_factory=list)


class Runner:
    """Runs blocks of one project with one set of options.

    `on_result` is told how each block ended (success or not), as a `BlockResult`.
    """

    def __init__(
        self,
        project: Project,
        options: RunOptions,
        *,
        on_result: ResultHandler | None = None,
        progress: Progress | None = None,
    ) -> None:
        self.project, self.options, self.on_result = project, options, on_result
        self.stores = Stores(project)
        self.secrets: set[str] = set()  # of every block prepared so far: later ones mask them
        self.progress = progress or Progress()  # what the live view and the summary read

    def run(self, plan: Sequence[Block]) -> RunReport:
        report = RunReport()
        self.progress.planned = [step_of(block) for block in plan]
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
        runner = (
            self
            if number == 1
            else Runner(
                self.project,
                replace(self.options, run_id=None),
                on_result=self.on_result,
                progress=self.progress,
            )
        )
        runner.secrets = self.secrets
        if isinstance(block, ExtractLoad):
            runner.run_extract_load(block)
        else:
            runner.run_command_block(block)
        return number

    def state_id(self, block: ExtractLoad) -> str:
        """The set's state ID, as its `RunContext` will have it."""
        return state_id_of(self.project, self.options, block)

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
        history = self.stores.history
        for block in plan:
            if isinstance(block, ExtractLoad):
                run_id = self.options.run_id or str(uuid7())
                row = history.start(self.state_id(block), run_id, trigger=self.options.trigger)
                history.finish(row, error=error)

    def context(self, block: ExtractLoad, *, run_id: str | None = None) -> RunContext:
        """The set's state ID, run ID and plugins, computed once."""
        state_id = state_id_of(self.project, self.options, block)
        plugins = tuple(
            finder.find(self.project, ref.name, command="run", plugin_type=ref.plugin_type)
            for ref in block.blocks
        )
        return RunContext(
            project=self.project,
            options=self.options,
            block=block,
            state_id=state_id,
            run_id=run_id or self.options.run_id or str(uuid7()),
            plugins=plugins,
        )

    def run_extract_load(self, block: ExtractLoad) -> BlockResult | None:
        with self._step(block) as step:
            return self._run_extract_load(block, step)

    @contextlib.contextmanager
    def _step(self, block: Block) -> Iterator[StepProgress]:
        """Track one block as a step of the run's progress; summarize it when it ends (if
        `judged` has not already, e.g. when the block failed before it started)."""
        refs = block.blocks if isinstance(block, ExtractLoad) else (block.plugin,)
        step = self.progress.start_step(
            *step_of(block), [(ref.name, ref.plugin_type.singular) for ref in refs]
        )
        try:
            yield step
        except BaseException as error:
            finish_step(self.progress, step, error=describe_failure(error))
            raise
        finish_step(self.progress, step, error=None)

    def _summarize(
        self, step: StepProgress, result: BlockResult, error: BaseException | None
    ) -> dict[str, Any]:
        """`BlockRun.summarize`: the step's summary from how the block ended."""
        step.run_id, step.state_id = result.run_id, result.state_id
        step.state_updates, step.results = result.writes_state, result.results
        if result.writes_state:
            step.state_messages, step.state_writes = result.state_messages, result.state_writes
        failure = describe_failure(error) if error is not None else None
        return step_document(finish_step(self.progress, step, error=failure))

    def _run_extract_load(self, block: ExtractLoad, step: StepProgress) -> BlockResult | None:
        context = self.context(block)
        with recorded_run(context, self.stores, on_result=self.on_result) as run:
            run.summarize = functools.partial(self._summarize, step)
            progress = self.progress
            with (
                prepared_plugins(context, self.secrets) as invocations,
                recorded_state(context, self.stores, invocations[0], run) as state,
            ):
                prepare_catalog(context, invocations[0], state.tap_state)
                run.pipeline = outcome = asyncio.run(
                    run_pipeline(
                        [invocation.command() for invocation in invocations],
                        on_state=_counted(state.on_state, progress),
                        on_log=PluginLogs(
                            [invocation.plugin.name for invocation in invocations],
                            structured=[
                                "structured-logging" in invocation.plugin.capabilities
                                for invocation in invocations
                            ],
                            on_metric=progress.on_metric,
                        ),
                        timeout=self.options.timeout,
                        line_limit=line_limit(int(get_setting(self.project, "elt.buffer_size"))),
                        redactor=invocations[0].redactor(),  # shared by the whole set
                    )
                )
            _raise_failure(outcome, [plugin.name for plugin in context.plugins])
        return run.result

    @contextlib.contextmanager
    def prepared(self, block: ExtractLoad, *, run_id: str) -> Iterator[list[Invocation]]:
        """The set's plugins prepared, the tap with its state file and catalog, nothing run
        (`el --dump`)."""
        context = self.context(block, run_id=run_id)
        with prepared_plugins(context, self.secrets) as invocations:
            tap = invocations[0]
            prepare_catalog(context, tap, read_tap_state(context, self.stores, tap))
            yield invocations

    # -- command blocks ----------------------------------------------------------------

    def run_command_block(self, block: CommandBlock) -> BlockResult | None:
        with self._step(block) as step:
            return self._run_command_block(block, step)

    def _run_command_block(self, block: CommandBlock, step: StepProgress) -> BlockResult | None:
        ref = block.plugin
        run = BlockRun((str(ref),), summarize=functools.partial(self._summarize, step))
        with judged(run, self.on_result):
            plugin = finder.find(self.project, ref.name, command="run", plugin_type=ref.plugin_type)
            with prepare(
                self.project, plugin, command=ref.command, containers=self.options.containers
            ) as invocation:
                share_secrets([invocation], self.secrets)
                run.pipeline = outcome = asyncio.run(
                    run_pipeline(
                        [invocation.command()],
                        on_state=None,
                        on_log=PluginLogs([plugin.name], on_metric=self.progress.on_metric),
                        timeout=self.options.timeout,
                        redactor=invocation.redactor(),
                    )
                )
            _raise_failure(outcome, (str(ref),))
        return run.result


def step_of(block: Block) -> tuple[str, StepKind]:
    """A block's name and kind, as the progress and the summary show it."""
    if isinstance(block, ExtractLoad):
        return " ".join(str(ref) for ref in block.blocks), StepKind.EXTRACT_LOAD
    return str(block.plugin), StepKind.COMMAND


def _counted(
    handlers: StateHandler | list[StateHandler], progress: Progress
) -> StateHandler | list[StateHandler]:
    """Loader stdout handler(s) that also count STATE lines for the progress shown."""
    if isinstance(handlers, list):
        return [_counted(handler, progress) for handler in handlers]  # type: ignore[misc]  # one each
    handler = handlers

    def on_line(line: bytes) -> object:
        if line.strip():
            progress.on_state_message()
        return handler(line)

    return on_line


def _raise_failure(outcome: PipelineOutcome, names: Sequence[str]) -> None:
    if outcome.error is not None:
        log.error("block run failed", blocks=list(names), exit_codes=list(outcome.exit_codes))
        raise outcome.error
