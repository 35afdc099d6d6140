"""Run one command and measure it: CPU of the whole arm, wall time, the top process's own CPU and
its peak memory.

- Arm CPU: user + sys of every process of the arm (the top process and all its descendants), the
  delta of our RUSAGE_CHILDREN around the run. Every arm process is waited for, so none is missed.
- Own CPU: utime + stime of the top process alone (fields 14 and 15 of /proc/PID/stat), sampled
  every 10 ms while it runs; the last value is read once it has exited but before it is reaped
  (`waitid(WNOWAIT)` leaves it a zombie whose counters are final), so nothing is lost at the end.
  The kernel counts it in clock ticks (10 ms here).
- Peak RSS: VmHWM of the top process (its own high-water mark, children excluded), sampled from
  /proc/PID/status every 10 ms; it only grows, and a zombie no longer reports it, so the last
  sample before exit is kept.
"""

from __future__ import annotations

import dataclasses
import os
import resource
import statistics
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")
SAMPLE_EVERY = 0.01


@dataclass(frozen=True)
class Sample:
    """One run of one arm."""

    cpu: float  # seconds, every process of the arm
    wall: float  # seconds
    own_cpu: float  # seconds, the top process alone
    peak_kib: int  # VmHWM of the top process
    exit_code: int
    error: str = ""  # the last lines of the arm's stderr, when it failed

    @property
    def ok(self) -> bool:
        return self.exit_code == 0


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def own_cpu(pid: int) -> float | None:
    """utime + stime of the process itself, in seconds (None once it is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()  # the name may hold spaces; it ends at ')'
    return (int(fields[11]) + int(fields[12])) / TICK  # fields 14 and 15 of the whole line


def peak_kib(pid: int) -> int | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return None  # a zombie: no memory left to report


class Watch(threading.Thread):
    """Samples a process's own CPU and peak memory until told to stop."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.cpu, self.peak = pid, 0.0, 0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            self.sample()
            self.stop.wait(SAMPLE_EVERY)

    def sample(self) -> None:
        cpu, peak = own_cpu(self.pid), peak_kib(self.pid)
        if cpu is not None:
            self.cpu = max(self.cpu, cpu)
        if peak is not None:
            self.peak = max(self.peak, peak)


def measure(
    argv: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    timeout: float = 900,
    stdout: Path | None = None,
) -> Sample:
    """Run argv once, its stdout discarded (or written to `stdout`) and its stderr written to a
    file (`bench-stderr.log` in `cwd`), and measure it."""
    log = cwd / "bench-stderr.log"
    with log.open("wb") as stderr, (stdout or Path(os.devnull)).open("wb") as out:
        sample = _measure(argv, cwd, env, stderr.fileno(), out.fileno(), timeout)
    if sample.ok:
        return sample
    tail = log.read_bytes()[-2000:].decode(errors="replace").strip().splitlines()[-3:]
    return dataclasses.replace(sample, error="\n".join(tail))


def _measure(
    argv: Sequence[str], cwd: Path, env: Mapping[str, str], stderr: int, stdout: int, timeout: float
) -> Sample:
    before, started = children_cpu(), time.perf_counter()
    process = subprocess.Popen(
        argv,
        cwd=cwd,
        env=dict(env),
        stdin=subprocess.DEVNULL,
        stdout=stdout,
        stderr=stderr,
    )
    watch = Watch(process.pid)
    watch.start()
    killer = threading.Timer(timeout, process.kill)
    killer.start()
    # Wait for the exit but leave a zombie, so that its final CPU counters can still be read.
    os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOWAIT)
    killer.cancel()
    wall = time.perf_counter() - started
    watch.stop.set()
    watch.join()
    watch.sample()  # the zombie's CPU counters are final
    code = process.wait()
    return Sample(children_cpu() - before, wall, watch.cpu, watch.peak, code)


def interleave(
    arms: Mapping[str, Callable[[], Sample]],
    *,
    rounds: int,
    rounds_of: Mapping[str, int] | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, list[Sample]]:
    """Run every arm once per round; an arm in `rounds_of` stops after that many.

    Each round starts one arm later than the previous one (a rotation), so that over the rounds
    every arm runs in every position: an arm that always ran right after another one could be
    helped or hurt by it (caches, CPU frequency, the other core's load) in every sample.
    """
    samples: dict[str, list[Sample]] = {name: [] for name in arms}
    names = list(arms)
    for number in range(rounds):
        shift = number % len(names) if names else 0
        for name in names[shift:] + names[:shift]:
            run = arms[name]
            if number >= (rounds_of or {}).get(name, rounds):
                continue
            if samples[name] and not samples[name][-1].ok:
                continue  # failed once: it would fail again, and a failure can be slow
            sample = run()
            samples[name].append(sample)
            if progress is not None:
                state = "ok" if sample.ok else f"exit {sample.exit_code}"
                progress(
                    f"  round {number + 1}/{rounds} {name:<28} wall {sample.wall:7.2f} s  "
                    f"cpu {sample.cpu:7.2f} s  own {sample.own_cpu:6.2f} s  "
                    f"peak {sample.peak_kib / 1024:6.1f} MiB  {state}"
                )
                if sample.error:
                    progress("    " + sample.error.replace("\n", "\n    "))
    return samples


@dataclass(frozen=True)
class Summary:
    """Medians over the successful rounds of an arm (peak: the highest)."""

    rounds: int
    cpu: float
    wall: float
    own_cpu: float
    peak_mib: float
    failed: int | None  # the exit code, when the arm failed
    own_cpus: tuple[float, ...] = ()  # own cpu of every successful round

    @classmethod
    def of(cls, samples: Sequence[Sample]) -> Summary:
        good = [sample for sample in samples if sample.ok]
        failed = next((sample.exit_code for sample in samples if not sample.ok), None)
        if not good:
            nan = float("nan")
            return cls(0, nan, nan, nan, nan, failed)
        return cls(
            rounds=len(good),
            cpu=statistics.median(sample.cpu for sample in good),
            wall=statistics.median(sample.wall for sample in good),
            own_cpu=statistics.median(sample.own_cpu for sample in good),
            peak_mib=max(sample.peak_kib for sample in good) / 1024,
            failed=failed,
            own_cpus=tuple(sample.own_cpu for sample in good),
        )

    @property
    def ok(self) -> bool:
        return self.failed is None
