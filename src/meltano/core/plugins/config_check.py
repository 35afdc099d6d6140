"""`meltano config test`: does the plugin accept its configuration?

An extractor is run in sync mode until its first RECORD or BATCH message; a loader is fed a
SCHEMA, one RECORD and one STATE for a test stream. Both run through the same OS-pipe runner
as pipelines; the loader's test input comes from a tiny Python process, like a tap would.
"""

from __future__ import annotations

import asyncio
import json
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

from meltano.core.catalog.prepare import prepare_tap
from meltano.core.plugins.types import PluginType
from meltano.core.processes.lines import decode_line
from meltano.core.processes.pipes import PluginCommand, run_pipeline
from meltano.core.processes.plugin_logs import PluginLogs

if TYPE_CHECKING:
    from meltano.core.plugins.invocation import Invocation
    from meltano.core.project.project import Project

TEST_STREAM = "meltano_test_stream"
NO_RECORDS = (
    "No RECORD or BATCH message received. Verify that at least one stream is "
    "selected using 'meltano select {name} --list'."
)


@dataclass(frozen=True)
class ConfigTestResult:
    valid: bool
    detail: str = ""


class _GotRecord(Exception):
    """Raised from the stdout handler to stop the tap once it has proven its config works."""


def test_extractor(project: Project, invocation: Invocation) -> ConfigTestResult:
    prepare_tap(project, invocation, state_path=None)
    last: list[str] = []

    def on_line(line: bytes) -> None:
        text = decode_line(line)
        if text.strip():
            last[:] = [text]
        try:
            kind = json.loads(text).get("type")
        except (ValueError, AttributeError):
            return
        if kind in ("RECORD", "BATCH"):
            raise _GotRecord

    command = invocation.command()
    try:
        outcome = asyncio.run(
            run_pipeline(
                [command],
                on_state=on_line,
                on_log=PluginLogs([invocation.plugin.name]),
                redactor=invocation.redactor(),
            )
        )
    except _GotRecord:
        return ConfigTestResult(True)
    if outcome.error is not None:
        tail = outcome.results[0].stderr_tail
        return ConfigTestResult(False, tail[-1] if tail else outcome.error.reason)
    return ConfigTestResult(False, NO_RECORDS.format(name=invocation.plugin.name))


def _test_messages(activate_version: bool) -> str:
    schema: dict[str, object] = {
        "type": "SCHEMA",
        "stream": TEST_STREAM,
        "key_properties": ["id"],
        "schema": {
            "type": "object",
            "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
        },
    }
    messages: list[dict[str, object]] = [schema]
    if activate_version:
        messages.append({"type": "ACTIVATE_VERSION", "stream": TEST_STREAM, "version": 1})
    messages.append(
        {"type": "RECORD", "stream": TEST_STREAM, "record": {"id": 1, "name": "meltano"}}
    )
    messages.append({"type": "STATE", "value": {"bookmarks": {TEST_STREAM: {"id": 1}}}})
    return "\n".join(json.dumps(m) for m in messages) + "\n"


def test_loader(invocation: Invocation) -> ConfigTestResult:
    activate = "activate-version" in invocation.plugin.capabilities
    feeder = PluginCommand(
        name="meltano-test-input",
        argv=[sys.executable, "-c", f"import sys; sys.stdout.write({_test_messages(activate)!r})"],
        plugin_type="extractor",
    )
    target = invocation.command()
    complaints: list[str] = []
    logs = PluginLogs(["meltano-test-input", invocation.plugin.name])
    redactor = invocation.redactor()

    def watch(index: int, line: bytes) -> None:
        logs(index, line)
        text = decode_line(line)
        if index == 1 and ("error" in text.lower() or "exception" in text.lower()):
            complaints.append(text)

    def on_stdout(line: bytes) -> None:
        text = decode_line(line)
        if "error" in text.lower() or "exception" in text.lower():
            complaints.append(redactor.text(text) if redactor is not None else text)

    outcome = asyncio.run(
        run_pipeline([feeder, target], on_state=on_stdout, on_log=watch, redactor=redactor)
    )
    if outcome.error is not None:
        tail = outcome.results[-1].stderr_tail
        return ConfigTestResult(False, tail[-1] if tail else outcome.error.reason)
    if complaints:
        return ConfigTestResult(False, complaints[-1])
    return ConfigTestResult(True)


def run_config_test(project: Project, invocation: Invocation) -> ConfigTestResult:
    if invocation.plugin.type is PluginType.EXTRACTORS:
        return test_extractor(project, invocation)
    return test_loader(invocation)
