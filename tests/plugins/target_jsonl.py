#!/usr/bin/env python3
"""A stdlib Singer target for tests: appends each RECORD message line to a file; echoes STATE.

Settings come from `--config FILE` (JSON), then `TARGET_JSONL_<NAME>` environment variables:
  path ("output.jsonl")   file the RECORD lines are appended to (as received, byte for byte)
  raw                     append every input line unparsed (for byte-exactness tests)
  exit_at / exit_code     exit with `exit_code` (5) when record number `exit_at` arrives
  exit_early              exit 0 at once, without reading any input
  crash_at                raise an exception (traceback, exit 1) at record number N
  sleep_at / sleep        sleep `sleep` seconds when record number `sleep_at` arrives
  ignore_sigterm          ignore SIGTERM (and SIGINT)
  ready_file              create this file once signal handling is set up
  huge_stdout             first write one line of this many bytes on stdout
  stdout_garbage          at the end write a line on stdout that is not JSON
  invalid_utf8            write invalid UTF-8 on stderr
After each STATE message the file is flushed and the state value printed on stdout.
A line that is not JSON makes the target fail, naming the line number.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from pathlib import Path

DEFAULTS = {"path": "output.jsonl", "exit_code": 5, "sleep": 0.0}


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
    config = load_config("TARGET_JSONL_")
    if config.get("ignore_sigterm"):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    if config.get("ready_file"):  # tests wait for this before sending signals
        Path(config["ready_file"]).touch()
    if config.get("exit_early"):
        return 0
    out = sys.stdout.buffer
    err = sys.stderr.buffer
    if config.get("invalid_utf8"):
        err.write(b"target says \xff\xfe\xc3( here\n")
        err.flush()
    if config.get("huge_stdout"):
        out.write(b"S" * int(config["huge_stdout"]) + b"\n")
        out.flush()
    records = 0
    with Path(config["path"]).open("ab") as sink:
        for number, line in enumerate(sys.stdin.buffer, start=1):
            if config.get("raw"):
                sink.write(line)
                continue
            try:
                message = json.loads(line)
            except ValueError:
                err.write(
                    b"target-jsonl: line %d of the input is not JSON: %r\n" % (number, line[:80])
                )
                return 1
            kind = message.get("type")
            if kind == "RECORD":
                records += 1
                if records == config.get("exit_at"):
                    sink.flush()
                    err.write(b"target-jsonl: stopping at record %d\n" % records)
                    return int(config["exit_code"])
                if records == config.get("crash_at"):
                    sink.flush()
                    raise RuntimeError(f"target crash at record {records}")
                if records == config.get("sleep_at"):
                    sink.flush()
                    time.sleep(float(config["sleep"]))
                sink.write(line)
            elif kind == "STATE":
                sink.flush()
                out.write(json.dumps(message["value"]).encode() + b"\n")
                out.flush()
    if config.get("stdout_garbage"):
        out.write(b"this is not a state\n")
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
