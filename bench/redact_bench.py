"""What masking a run's secrets costs per 100 KB of plugin stderr (`processes.redact`).

Every batch of stderr lines a pipeline reads passes `Redactor.lines` when the run has secrets
(with none, no redactor exists and nothing runs). This times that call on a batch of 100 KB
(1,000 log lines of 100 bytes) for 0, 1, 5 and 20 secrets, without and with one line of the
batch holding a secret, and beside it the two ways considered instead: one `secret in batch`
check per spelling, and one `re` alternation of every spelling. CPU time of this process,
the best of several rounds (a shared machine only ever makes a round slower).

    uv run python bench/redact_bench.py [--rounds 7] [--batches 2000]
"""

from __future__ import annotations

import argparse
import functools
import random
import re
import string
import time
from collections.abc import Callable

from meltano.core.processes.redact import Redactor, spellings

LINE = b"2024-05-01 12:00:00 INFO tap-example wrote record %d of stream orders, all is well"
MASK = "*****"


def batch(secret: str | None = None) -> list[bytes]:
    """1,000 lines of 100 bytes (100 KB); with `secret`, line 500 holds it."""
    lines = [(LINE % number).ljust(99, b".") for number in range(1_000)]
    if secret is not None:
        lines[500] = b'DEBUG connecting with {"password": "%s"}' % secret.encode()
    return lines


def secrets(count: int, seed: int = 7) -> list[str]:
    """Values like a project's: passwords, tokens, a connection URL, a date from `.env`."""
    rng = random.Random(seed)
    alphabet = string.ascii_letters + string.digits
    kinds = [
        lambda: "".join(rng.choice(alphabet) for _ in range(16)),
        lambda: "ghp_" + "".join(rng.choice(alphabet) for _ in range(36)),
        lambda: f"postgresql://loader:{rng.randrange(10**8)}@db.internal:5432/warehouse",
        lambda: f"20{rng.randrange(10, 30)}-0{rng.randrange(1, 9)}-1{rng.randrange(0, 9)}",
    ]
    return [kinds[number % len(kinds)]() for number in range(count)]


def best_us(call: Callable[[], object], batches: int, rounds: int) -> float:
    """Best CPU microseconds per call over `rounds` rounds of `batches` calls."""
    best = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        for _ in range(batches):
            call()
        best = min(best, (time.process_time() - started) / batches)
    return best * 1e6


def per_spelling_in(patterns: list[bytes]) -> Callable[[list[bytes]], object]:
    def scan(lines: list[bytes]) -> object:
        joined = b"\n".join(lines)
        found = [pattern for pattern in patterns if pattern in joined]
        for pattern in found:
            joined = joined.replace(pattern, MASK.encode())
        return joined.split(b"\n") if found else lines

    return scan


def alternation(patterns: list[bytes]) -> Callable[[list[bytes]], object]:
    ordered = sorted(patterns, key=len, reverse=True)
    compiled = re.compile(b"|".join(re.escape(pattern) for pattern in ordered))
    return lambda lines: compiled.sub(MASK.encode(), b"\n".join(lines)).split(b"\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--batches", type=int, default=2_000)
    args = parser.parse_args()
    rounds, batches = args.rounds, args.batches
    print(f"CPU per 100 KB batch (1,000 lines), best of {rounds} rounds of {batches} batches")
    header = (
        f"{'secrets':>7}{'spellings':>10}{'redactor':>11}{'+1 hit':>9}"
        f"{'`in` each':>11}{'re alt.':>10}{'50 MB':>9}"
    )
    print(header)
    for count in (0, 1, 5, 20):
        values = secrets(count)
        redactor = Redactor.of(values, MASK)
        if redactor is None:  # no secrets: the pump has no redact step at all
            print(f"{count:>7}{0:>10}{'0 (none)':>11}{'-':>9}{'-':>11}{'-':>10}{'0 ms':>9}")
            continue
        quiet, loud = batch(), batch(values[-1])
        patterns = sorted({s.encode() for value in values for s in spellings(value)})
        assert redactor.lines(loud)[500].count(b"*****") == 1
        ours = best_us(functools.partial(redactor.lines, quiet), batches, rounds)
        hit = best_us(functools.partial(redactor.lines, loud), batches, rounds)
        scan_in = functools.partial(per_spelling_in(patterns), quiet)
        each = best_us(scan_in, max(1, batches // 4), rounds)
        regex = functools.partial(alternation(patterns), quiet)
        alt = best_us(regex, max(1, batches // 10), rounds)
        print(
            f"{count:>7}{len(patterns):>10}{ours:>9.1f}us{hit:>7.1f}us{each:>9.1f}us"
            f"{alt:>8.0f}us{ours * 500 / 1000:>6.1f} ms"
        )
    print("50 MB: the redactor's cost on the benchmark's 500,000 stderr lines (500 batches)")


if __name__ == "__main__":
    main()
