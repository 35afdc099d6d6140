"""Install plugins into their venvs: one installer run per venv, several venvs at once."""

from __future__ import annotations

import asyncio
import contextlib
import enum
import fcntl
import os
import shutil
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import structlog

from meltano.core.errors import MeltanoError
from meltano.core.plugins.types import PluginType
from meltano.core.venvs.backends import Step, backend_named
from meltano.core.venvs.fingerprint import (
    clear_fingerprint,
    fingerprint,
    pip_args,
    requires_install,
    write_fingerprint,
)
from meltano.core.venvs.python import resolve_python

log = structlog.get_logger(__name__)
OUTPUT_TAIL_LINES = 20
LOCK_POLL_SECONDS = 0.1


class InstallStatus(enum.Enum):
    INSTALLED = "installed"
    SKIPPED = "skipped"
    FAILED = "failed"


@dataclass(frozen=True)
class InstallRequest:
    """Everything needed to install one plugin into one venv."""

    plugin_type: str  # plural, as in meltano.yml
    name: str
    venv_dir: Path  # `<sys dir>/<type>/<plugin dir name>/venv`
    pip_url: str  # already `$VAR`-expanded by the caller
    python: str | None = None  # as configured (plugin, project, .python-version); None: ours
    backend: str = "uv"  # `venv.backend`
    clean: bool = False  # recreate the venv even if it looks fine
    force: bool = False  # ignore Requires-Python (pip backend only)
    auto: bool = False  # automatic install (run/invoke): do nothing if the venv is up to date
    env: Mapping[str, str] | None = None  # installer environment; None: this process's
    log_file: Path | None = None  # pip's own log (virtualenv backend)
    run_dir: Path | None = None  # emptied before installing (cached catalog, generated files)

    @property
    def args(self) -> list[str]:
        return pip_args(self.pip_url)

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.args, self.python)


class InstallError(MeltanoError):
    """An installer command failed; carries its last output lines."""

    def __init__(self, request: InstallRequest, problem: str, output: str = "") -> None:
        tail = [line for line in output.splitlines() if line.strip()][-OUTPUT_TAIL_LINES:]
        said = (
            "The installer said:\n" + "\n".join(f"  {line}" for line in tail) + "\n" if tail else ""
        )
        super().__init__(
            f"Could not install {_singular(request.plugin_type)} '{request.name}': {problem}",
            f"{said}Check its `pip_url` ({request.pip_url}) and `python`, then run "
            f"`meltano install --plugin-type {request.plugin_type} {request.name}`",
        )
        self.output = output
        self.said = said  # the installer's last lines, for messages of other commands


@dataclass(frozen=True)
class InstallResult:
    """What happened to one request."""

    request: InstallRequest
    status: InstallStatus
    reason: str = ""  # why it was skipped, or the error's reason
    error: InstallError | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status is not InstallStatus.FAILED


async def install_plugins(
    requests: Sequence[InstallRequest], *, parallelism: int | None = None
) -> list[InstallResult]:
    """Install several plugins at once (at most `parallelism`; None or < 1: no limit).

    Requests for the same venv are installed once; the others report that they share it.
    Results come back in the order of `requests`.
    """
    limit = parallelism if parallelism and parallelism > 0 else max(len(requests), 1)
    semaphore = asyncio.Semaphore(limit)
    leaders: dict[Path, InstallRequest] = {}
    for request in requests:
        leaders.setdefault(request.venv_dir, request)

    async def limited(request: InstallRequest) -> InstallResult:
        async with semaphore:
            return await install_plugin(request)

    tasks = {path: asyncio.ensure_future(limited(req)) for path, req in leaders.items()}
    try:
        await asyncio.gather(*tasks.values())
    finally:
        for task in tasks.values():
            task.cancel()
    results = []
    for request in requests:
        leader = leaders[request.venv_dir]
        if request is leader:
            results.append(tasks[request.venv_dir].result())
        else:
            results.append(
                InstallResult(
                    request,
                    InstallStatus.SKIPPED,
                    reason=f"reusing the virtualenv of '{leader.name}'",
                )
            )
    return results


async def install_plugin(request: InstallRequest) -> InstallResult:
    """Create (if needed) the venv and install `pip_url` into it; never raises InstallError."""
    started = time.monotonic()
    try:
        async with _venv_lock(request.venv_dir):
            status, reason = await _install_locked(request)
    except InstallError as error:
        log.info(
            "plugin install failed",
            plugin_type=request.plugin_type,
            name=request.name,
            reason=error.reason,
        )
        log.debug("installer output", name=request.name, output=error.output)
        return InstallResult(
            request,
            InstallStatus.FAILED,
            reason=error.reason,
            error=error,
            seconds=time.monotonic() - started,
        )
    return InstallResult(request, status, reason=reason, seconds=time.monotonic() - started)


async def _install_locked(request: InstallRequest) -> tuple[InstallStatus, str]:
    venv_dir, expected = request.venv_dir, request.fingerprint
    needed = requires_install(venv_dir, expected)
    if request.auto and not needed and not request.clean:
        return InstallStatus.SKIPPED, "already installed"
    try:
        backend = backend_named(request.backend)
        python = resolve_python(request.python, environ=request.env)
    except MeltanoError as error:
        raise InstallError(request, error.reason) from error
    clean = request.clean or needed or not backend.can_reuse(venv_dir)
    if request.force and backend.name == "uv":
        log.warning(
            "force ignored",
            name=request.name,
            backend="uv",
            reason="uv cannot ignore Requires-Python; use venv.backend virtualenv",
        )
    steps = backend.create(venv_dir, python) if clean else []
    steps += backend.install(venv_dir, request.args, force=request.force, log_file=request.log_file)
    venv_dir.parent.mkdir(parents=True, exist_ok=True)
    if request.log_file is not None:
        request.log_file.parent.mkdir(parents=True, exist_ok=True)
    if venv_dir.exists():
        clear_fingerprint(venv_dir)
    if request.run_dir is not None:
        _empty(request.run_dir)
    log.info(
        "installing plugin",
        plugin_type=request.plugin_type,
        name=request.name,
        backend=backend.name,
        clean=clean,
    )
    for step in steps:
        code, output = await _run(step, request)
        if code != 0 and step.optional:
            log.warning(
                "optional installer step failed",
                name=request.name,
                step=step.purpose,
                exit_code=code,
                output=output[-2000:],
            )
            continue
        if code != 0:
            raise InstallError(request, f"could not {step.purpose} (exit code {code})", output)
        log.debug("installer step finished", name=request.name, step=step.purpose, output=output)
    write_fingerprint(venv_dir, expected)
    log.info("plugin installed", plugin_type=request.plugin_type, name=request.name)
    return InstallStatus.INSTALLED, ""


async def _run(step: Step, request: InstallRequest) -> tuple[int, str]:
    """Run one installer command, collecting its stdout and stderr together."""
    env = dict(os.environ if request.env is None else request.env)
    env.pop("VIRTUAL_ENV", None)  # the installers must target the plugin's venv, not ours
    try:
        process = await asyncio.create_subprocess_exec(
            *step.argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            env=env,
        )
    except OSError as error:
        raise InstallError(request, f"could not start {step.argv[0]}: {error.strerror}") from error
    try:
        output, _ = await process.communicate()
    except BaseException:  # cancelled or interrupted: do not leave the installer running
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()
        raise
    return process.returncode or 0, output.decode(errors="replace")


@contextlib.asynccontextmanager
async def _venv_lock(venv_dir: Path) -> AsyncIterator[None]:
    """One installer per venv across processes (two `meltano install` at once wait in turn)."""
    lock_file = venv_dir.with_name(f"{venv_dir.name}.lock")
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with lock_file.open("a") as handle:
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                await asyncio.sleep(LOCK_POLL_SECONDS)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _empty(directory: Path) -> None:
    """Delete what is inside `directory` (not the directory itself)."""
    if not directory.is_dir():
        return
    for entry in directory.iterdir():
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()


def _singular(plugin_type: str) -> str:
    try:
        return PluginType(plugin_type).singular
    except ValueError:
        return plugin_type
