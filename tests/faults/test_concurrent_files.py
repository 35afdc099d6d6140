"""F23, F25: project files and the system database written by many commands at the same moment."""

from __future__ import annotations

import shutil
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.faults.conftest import add_to_meltano_yml, finish, start
from tests.services.servers import postgres_uri  # noqa: F401 - fixture used by name

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


ROUNDS_F25 = 6
FIRST_USE = (
    ("state", "list"),
    ("logs", "list", "--format", "json"),
    ("config", "print", "tap-counter"),
    ("run", "--state-id-suffix", "a", "tap-counter", "target-jsonl"),
    ("state", "list", "--pattern", "dev:*"),
    ("state", "set", "--force", "dev:x-to-y", '{"singer_state": {"n": 1}}'),
)


def first_use_rounds(project: Path, cleanup: list, fresh: Callable[[], dict[str, str]]) -> int:
    """Rounds of the six FIRST_USE commands at once on a database nobody created; failures."""
    failures = 0
    for round_number in range(ROUNDS_F25):
        env = fresh()
        began = time.monotonic()
        processes = [start(project, *args, env=env, log_level="warning") for args in FIRST_USE]
        cleanup.extend(processes)
        results = [finish(process, began) for process in processes]
        failed = [
            (args, r.stderr[-600:])
            for args, r in zip(FIRST_USE, results, strict=True)
            if r.code != 0
        ]
        failures += len(failed)
        assert not failed, (round_number, failed)
    return failures


def test_f25_parallel_first_use_creates_the_sqlite_database_once(
    pipeline_project: Path, cleanup: list
) -> None:
    def fresh() -> dict[str, str]:
        shutil.rmtree(pipeline_project / ".meltano")
        return {}

    failures = first_use_rounds(pipeline_project, cleanup, fresh)
    print(
        f"F25 {ROUNDS_F25} rounds of {len(FIRST_USE)} first commands on SQLite: {failures} failed"
    )


def test_f25_parallel_first_use_creates_the_postgres_schema_once(
    pipeline_project: Path, cleanup: list, postgres_uri: str
) -> None:
    schemas: list[str] = []

    def fresh() -> dict[str, str]:
        schemas.append(f"f25_{uuid.uuid4().hex[:12]}")
        with admin.begin() as connection:
            connection.execute(sqlalchemy.text(f"CREATE SCHEMA {schemas[-1]}"))
        return {"MELTANO_DATABASE_URI": f"{postgres_uri}?options=-csearch_path%3D{schemas[-1]}"}

    import sqlalchemy

    from meltano.core.db.engine import create_engine

    admin = create_engine(postgres_uri)
    try:
        failures = first_use_rounds(pipeline_project, cleanup, fresh)
    finally:
        with admin.begin() as connection:
            for schema in schemas:
                connection.execute(sqlalchemy.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()
    print(
        f"F25 {ROUNDS_F25} rounds of {len(FIRST_USE)} first commands on PostgreSQL: {failures} failed"
    )
