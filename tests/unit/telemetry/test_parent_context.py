"""Plugins receive MELTANO_PARENT_CONTEXT_UUID (TEL-02)."""

from __future__ import annotations

import uuid

from meltano.core.telemetry.context import context_uuid


def test_invoke_passes_the_context_uuid_to_plugins(invoke, write_meltano_yml) -> None:
    write_meltano_yml(
        "plugins:\n  utilities:\n  - name: x\n    namespace: x\n    executable: 'true'\n"
    )
    result = invoke("invoke", "--print-var", "MELTANO_PARENT_CONTEXT_UUID", "x")
    assert result.exit_code == 0, result.output
    printed = result.stdout.strip().splitlines()[0].split("=", 1)[1]
    assert uuid.UUID(printed) and printed == context_uuid()
