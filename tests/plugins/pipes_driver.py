#!/usr/bin/env python3
"""Run a pipeline (or one command) through `meltano.core.processes.pipes` in a process of its own.

Tests signal or SIGKILL this process to check what happens to its children. Usage:
    pipes_driver.py SPEC_JSON
SPEC: {"mode": "pipeline" | "command", "commands": [{"name", "argv", "env"?}],
       "timeout"?: seconds, "grace"?: seconds, "line_limit"?: bytes}
Prints one JSON line: {"ok", "exit_codes", "reason", "states", "peak_rss_kb"}; exits with the
error's exit code (or the command's exit status in "command" mode).
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
from pathlib import Path

from meltano.core.processes.pipes import PluginCommand, run_command, run_pipeline


async def main(spec: dict) -> int:
    commands = [
        PluginCommand(item["name"], item["argv"], env=item.get("env")) for item in spec["commands"]
    ]
    grace = float(spec.get("grace", 5.0))
    if spec.get("mode") == "command":
        return await run_command(commands[0], grace_period=grace)
    states: list[bytes] = []
    options = {"line_limit": spec["line_limit"]} if "line_limit" in spec else {}
    outcome = await run_pipeline(
        commands,
        on_state=states.append,
        on_log=lambda index, line: None,
        timeout=spec.get("timeout"),
        grace_period=grace,
        **options,
    )
    report = {
        "ok": outcome.ok,
        "exit_codes": list(outcome.exit_codes),
        "reason": outcome.error.reason if outcome.error else None,
        "states": len(states),
        "peak_rss_kb": peak_rss_kb(),
    }
    print(json.dumps(report), flush=True)
    return int(outcome.error.exit_code) if outcome.error else 0


def peak_rss_kb() -> int:
    """This program's own peak RSS. Not `ru_maxrss`: Linux carries that over from before
    `exec`, so a driver forked from a large pytest process would report pytest's size."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


if __name__ == "__main__":
    sys.exit(asyncio.run(main(json.loads(sys.argv[1]))))
