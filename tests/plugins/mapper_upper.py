#!/usr/bin/env python3
"""A stdlib Singer mapper for tests: upper-cases string values of RECORD messages.

Other messages pass through unchanged. Settings (`--config FILE`, then `MAPPER_UPPER_<NAME>`):
  exit_at / exit_code     exit with `exit_code` (7) when record number `exit_at` arrives
  exit_early              exit 0 at once, without reading any input
  sleep_at / sleep        sleep `sleep` seconds when record number `sleep_at` arrives
  ignore_sigterm          ignore SIGTERM (and SIGINT)
  ready_file              create this file once signal handling is set up
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from pathlib import Path

DEFAULTS = {"exit_code": 7}


def load_config(prefix: str) -> dict:
    config = dict(DEFAULTS)
    args = sys.argv[1:]
    if "--config" in args:
        with Path(args[args.index("--config") + 1]).open() as file:
            config.update(json.load(file))
    for name, value in os.environ.items():
        if name.startswith(prefix):
            try:
                config[name[len(prefix) :].lower()] = json.loads(value)
            except ValueError:
                config[name[len(prefix) :].lower()] = value
    return config


def main() -> int:
    config = load_config("MAPPER_UPPER_")
    if config.get("ignore_sigterm"):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    if config.get("ready_file"):  # tests wait for this before sending signals
        Path(config["ready_file"]).touch()
    if config.get("exit_early"):
        return 0
    out = sys.stdout.buffer
    records = 0
    for line in sys.stdin.buffer:
        message = json.loads(line)
        if message.get("type") == "RECORD":
            records += 1
            if records == config.get("exit_at"):
                out.flush()
                sys.stderr.write(f"mapper-upper: stopping at record {records}\n")
                return int(config["exit_code"])
            if records == config.get("sleep_at"):
                out.flush()
                time.sleep(float(config.get("sleep", 0)))
            message["record"] = {
                key: value.upper() if isinstance(value, str) else value
                for key, value in message["record"].items()
            }
            out.write(json.dumps(message).encode() + b"\n")
        else:
            out.write(line)
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
