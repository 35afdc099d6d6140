"""F23, F25: project files and the system database written by many commands at the same moment."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.faults.conftest import add_to_meltano_yml, finish, start

pytestmark = pytest.mark.slow

ROUNDS_F23 = 20
WRITERS_F23 = 6
#: Lines of `.env` that no `config set` owns: they must stay byte for byte, whatever races.
FOREIGN = (
    "# written by hand; keep\n"
    "export OTHER_TOOL_TOKEN='abc def'\n"
    'MULTI="first line\n'
    'second line"\n'
    "   SPACED = 'x'  \n"
    "no equals sign here\n"
)


def test_f23_parallel_dotenv_writes_lose_nothing(pipeline_project: Path, cleanup: list) -> None:
    settings = [f"s{n}" for n in range(WRITERS_F23)]
    add_to_meltano_yml(
        pipeline_project,
        "    - {name: secret, kind: password}\n",
        "    - {name: secret, kind: password}\n"
        + "".join(f"    - {{name: {name}}}\n" for name in settings),
    )
    env_file = pipeline_project / ".env"
    lost = 0
    for round_number in range(ROUNDS_F23):
        env_file.write_text(FOREIGN)
        began = time.monotonic()
        writers = [
            start(
                pipeline_project,
                "config",
                "set",
                "tap-counter",
                name,
                f"r{round_number}-{name}",
                "--store=dotenv",
                log_level="warning",
            )
            for name in settings
        ]
        cleanup.extend(writers)
        results = [finish(writer, began) for writer in writers]
        assert [r.code for r in results] == [0] * WRITERS_F23, [r.stderr[-500:] for r in results]
        text = env_file.read_text()
        assert text.startswith(FOREIGN), (round_number, text)  # foreign lines untouched
        written = [f"TAP_COUNTER_{name.upper()}='r{round_number}-{name}'\n" for name in settings]
        missing = [line for line in written if line not in text]
        lost += len(missing)
        extra = set(text[len(FOREIGN) :].splitlines(keepends=True)) - set(written)
        assert not extra, (round_number, text)  # nothing half-written or doubled
    print(
        f"F23 {ROUNDS_F23} rounds of {WRITERS_F23} parallel `config set --store=dotenv`: "
        f"{lost} of {ROUNDS_F23 * WRITERS_F23} values lost"
    )
    assert lost == 0
    assert list(pipeline_project.glob(".env.*")) == []  # no temporary file left behind
