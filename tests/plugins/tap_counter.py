#!/usr/bin/env python3
"""A stdlib Singer tap for tests: counts from 1 to `records`, with optional faults.

Settings come from `--config FILE` (JSON), then `TAP_COUNTER_<NAME>` environment variables:
  records (10)            how many records of each stream to write
  streams ("counter")     the streams, comma-separated, written one after the other
  state_every (0)         write STATE {"bookmarks": {"counter": {"id": N}}} every N records
                          (and always once at the end of each stream when > 0); the value
                          keeps every other stream's bookmark from `--state`, as SDK taps do
  width (0)               pad each record with a string of this many bytes
  exit_at / exit_code     exit with `exit_code` (3) just before record `exit_at`
  crash_at                raise an exception (traceback, exit 1) before record `crash_at`
  kill_at                 SIGKILL ourselves before record `kill_at`
  sleep_at / sleep        sleep `sleep` seconds before record `sleep_at` (0: before the first)
  record_delay            sleep this many seconds after each record (and its STATE), flushing first
  ignore_sigterm          ignore SIGTERM (and SIGINT)
  ready_file              create this file once signal handling is set up
  wait_file               before the first record, wait (60 s at most) until this file exists
  huge_line               first write one record line of this many bytes
  non_json_at             write a line that is not JSON before record N
  stderr_lines            write this many log lines on stderr, spread over the run
  stderr_width            pad each of those log lines to this many bytes (newline included)
  stderr_line_bytes       write one stderr line of this many bytes first
  metrics                 log singer-sdk `METRIC:` record_count counters on stderr: the records
                          written since the last one, at each STATE and at each stream's end
  bad_state               at the end write a STATE whose value is "string", "array" or "null"
  invalid_utf8            write invalid UTF-8 on stderr, and a record holding invalid UTF-8
  leave_behind            at the end start `sleep N` in a new session (setsid) holding our
                          stdout and stderr (`leave_behind_stderr_only`: stderr only), and exit
  leak_config             first (discovery too) write on stderr what a careless plugin would:
                          each config value as it is (multi-line ones line by line), the
                          config as JSON and as a Python dict, and each variable named in
                          `leak_env` (comma-separated) as NAME=value; the message of `exit_at`
                          then ends with the config as JSON
`--state FILE` resumes each stream after its bookmarked id; `--discover` prints the catalog.
Faults and padding count records of the stream being written.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from pathlib import Path

LOG_LINE = b"INFO tap-counter wrote record %d of the counter stream, all is well"
DEFAULTS = {"records": 10, "state_every": 0, "width": 0, "exit_code": 3, "sleep": 0.0}
CATALOG = {
    "streams": [
        {
            "tap_stream_id": "counter",
            "stream": "counter",
            "schema": {"type": "object", "properties": {"id": {"type": "integer"}}},
            "key_properties": ["id"],
            "metadata": [{"breadcrumb": [], "metadata": {"selected": True}}],
        }
    ]
}


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


def input_bookmarks() -> dict:
    args = sys.argv[1:]
    if "--state" not in args:
        return {}
    with Path(args[args.index("--state") + 1]).open() as file:
        state = json.load(file)
    return dict(state.get("bookmarks", {}))


def stream_names(config: dict) -> list[str]:
    names = config.get("streams", "counter")
    return names.split(",") if isinstance(names, str) else list(names)


class Logs:
    """The stderr log lines still to write, spread over the records."""

    def __init__(self, config: dict) -> None:
        self.left = int(config.get("stderr_lines", 0))
        self.per_record = -(-self.left // max(1, int(config["records"])))
        self.width = int(config.get("stderr_width", 0))


def write_stream(config: dict, out, err, stream: bytes, bookmarks: dict, logs: Logs) -> int | None:
    """SCHEMA, then the records and STATEs of one stream; an exit code to stop with, or None."""
    out.write(
        b'{"type":"SCHEMA","stream":"' + stream + b'","schema":{"type":"object","properties":'
        b'{"id":{"type":"integer"},"pad":{"type":"string"}}},"key_properties":["id"]}\n'
    )
    if config.get("huge_line"):
        size = int(config["huge_line"])
        head = b'{"type":"RECORD","stream":"' + stream + b'","record":{"id":0,"pad":"'
        out.write(head)
        block = b"x" * 1_048_576
        left = size - len(head) - 4
        while left > 0:
            out.write(block[: min(left, len(block))])
            left -= len(block)
        out.write(b'"}}\n')
    if config.get("wait_file"):  # tests hold a run open until they have seen what they need
        out.flush()
        deadline = time.monotonic() + 60
        while not Path(config["wait_file"]).exists() and time.monotonic() < deadline:
            time.sleep(0.02)
    pad = b"x" * int(config["width"])
    state_every = int(config["state_every"])
    record_line = b'{"type":"RECORD","stream":"' + stream + b'","record":{"id":%d}}\n'
    padded_line = b'{"type":"RECORD","stream":"' + stream + b'","record":{"id":%d,"pad":"%s"}}\n'
    name = stream.decode()
    first = int(bookmarks.get(name, {}).get("id", 0)) + 1
    last = int(config["records"])

    metrics = bool(config.get("metrics"))
    counted = first - 1

    def metric(record_id: int) -> None:
        nonlocal counted
        if metrics and record_id > counted:
            tags = {"stream": name}
            point = {"type": "counter", "metric": "record_count", "value": record_id - counted}
            err.write(b"INFO METRIC: %s\n" % json.dumps({**point, "tags": tags}).encode())
            err.flush()
            counted = record_id

    def state_line(record_id: int) -> bytes:
        metric(record_id)
        bookmarks[name] = {"id": record_id}
        value = json.dumps({"bookmarks": bookmarks}, separators=(",", ":"))
        return b'{"type":"STATE","value":%s}\n' % value.encode()

    for record_id in range(first, last + 1):
        if record_id == config.get("sleep_at", -1) or (
            record_id == first and config.get("sleep_at") == 0
        ):
            out.flush()
            time.sleep(float(config["sleep"]))
        if record_id == config.get("exit_at"):
            out.flush()
            err.write(b"tap-counter: giving up at record %d" % record_id)
            if config.get("leak_config"):
                err.write(b", with config " + json.dumps(config).encode())
            err.write(b"\n")
            err.flush()
            return int(config["exit_code"])
        if record_id == config.get("crash_at"):
            out.flush()
            raise RuntimeError(f"boom at record {record_id}")
        if record_id == config.get("kill_at"):
            out.flush()
            os.kill(os.getpid(), signal.SIGKILL)
        if record_id == config.get("non_json_at"):
            out.write(b"this is not JSON\n")
        if pad:
            out.write(padded_line % (record_id, pad))
        else:
            out.write(record_line % record_id)
        if state_every and record_id % state_every == 0:
            out.write(state_line(record_id))
        if config.get("record_delay"):
            out.flush()
            time.sleep(float(config["record_delay"]))
        if logs.left > 0:
            count = min(logs.per_record, logs.left)
            logs.left -= count
            line = LOG_LINE % record_id
            err.write((line + b" " * max(0, logs.width - len(line) - 1) + b"\n") * count)
    if config.get("sleep_at") == last + 1:
        out.flush()
        time.sleep(float(config["sleep"]))
    if state_every and last % state_every:
        out.write(state_line(last))
    metric(last)
    return None


def leak(config: dict) -> None:
    """Print secrets the way a plugin's debug output or crash report would."""
    err = sys.stderr
    for name in str(config.get("leak_env", "")).split(","):
        if name:
            print(f"{name}={os.environ.get(name)}", file=err)
    for name, value in config.items():
        if isinstance(value, str):
            print(f"setting {name}:", file=err)
            print(value, file=err)  # a multi-line value comes out line by line
    print(f"config as a dict: {config!r}", file=err)
    print(f"config as JSON: {json.dumps(config)}", file=err, flush=True)


def main() -> int:
    config = load_config("TAP_COUNTER_")
    if config.get("leak_config"):
        leak(config)
    names = stream_names(config)
    if "--discover" in sys.argv:
        streams = [
            {**CATALOG["streams"][0], "tap_stream_id": name, "stream": name} for name in names
        ]
        print(json.dumps({"streams": streams}))
        return 0
    if config.get("ignore_sigterm"):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    if config.get("ready_file"):  # tests wait for this before sending signals
        Path(config["ready_file"]).touch()
    out = sys.stdout.buffer
    err = sys.stderr.buffer
    logs = Logs(config)
    if config.get("stderr_line_bytes"):
        err.write(b"L" * int(config["stderr_line_bytes"]) + b"\n")
        err.flush()
    if config.get("invalid_utf8"):
        err.write(b"bad bytes \xff\xfe\xc3( here\n")
        err.flush()
        out.write(b'{"type":"RECORD","stream":"counter","record":{"id":0,"raw":"\xff\xfe"}}\n')
    bookmarks = input_bookmarks()
    for name in names:
        code = write_stream(config, out, err, name.encode(), bookmarks, logs)
        if code is not None:
            return code
    bad = config.get("bad_state")
    if bad:
        value = {"string": b'"a string"', "array": b"[1, 2]", "null": b"null"}[bad]
        out.write(b'{"type":"STATE","value":%s}\n' % value)
    out.flush()
    if config.get("leave_behind"):
        import subprocess

        stdout = subprocess.DEVNULL if config.get("leave_behind_stderr_only") else None
        subprocess.Popen(
            ["sleep", str(config["leave_behind"])], stdout=stdout, start_new_session=True
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
