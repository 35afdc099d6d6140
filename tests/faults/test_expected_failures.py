"""F28: a locked SQLite file, a PostgreSQL server lost mid-run, a full disk.

Each is an expected failure: one `Error:` naming what failed and where, exit code 1, no
"This is a bug", and nothing lost (the old file kept, the state stored before the fault kept).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from meltano.core.errors import ExitCode
from tests.faults.conftest import (
    RUN,
    STATE_ID,
    Finished,
    bookmark,
    finish,
    ids,
    meltano,
    run_records,
    start,
    wait_for,
)
from tests.services.servers import postgres_uri, unavailable  # noqa: F401 - fixture used by name
from tests.services.tcp_proxy import tcp_proxy

pytestmark = pytest.mark.slow


def expected_failure(done: Finished) -> str:
    """The one `Error:` line of a failed command that is not reported as a bug."""
    assert done.code == ExitCode.FAILED, (done.code, done.stderr[-2000:])
    assert "bug in meltano" not in done.stderr and "Traceback" not in done.stderr, done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, done.stderr[-2000:]
    return errors[0]


def test_f28_sqlite_locked_past_the_busy_timeout(pipeline_project: Path) -> None:
    database = pipeline_project / ".meltano" / "meltano.db"
    holder = sqlite3.connect(database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process writing, for longer than 30 s
    try:
        began = time.monotonic()
        processes = [
            start(
                pipeline_project, "state", "set", "--force", STATE_ID, '{"singer_state": {"a": 1}}'
            ),
            start(pipeline_project, *RUN),
        ]
        results = [finish(process, began, timeout=90) for process in processes]
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    for done in results:
        error = expected_failure(done)
        assert f"The system database {database} is locked" in error
        assert "another process has held it for more than 30 s" in error
    print(
        f"F28 SQLite locked by another process: both commands refused after {results[0].seconds:.1f} s"
    )
    again = meltano(pipeline_project, *RUN)
    assert again.code == 0, again.stderr[-2000:]


def test_f28_postgres_lost_mid_run_is_retried_then_reported(
    pipeline_project: Path, postgres_uri: str, cleanup: list
) -> None:
    import sqlalchemy

    from meltano.core.db.engine import create_engine

    schema = f"f28_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_uri)
    with admin.begin() as connection:
        connection.execute(sqlalchemy.text(f"CREATE SCHEMA {schema}"))

    def stored() -> str | None:
        with admin.connect() as connection:
            return connection.execute(
                sqlalchemy.text(f"SELECT completed_state FROM {schema}.state WHERE state_id = :i"),
                {"i": STATE_ID},
            ).scalar()

    url = sqlalchemy.make_url(postgres_uri)
    try:
        with tcp_proxy(url.host or "127.0.0.1", url.port or 5432) as proxy:
            env = {
                "MELTANO_DATABASE_URI": str(
                    url.set(host="127.0.0.1", port=proxy.port).update_query_dict(
                        {"options": f"-csearch_path={schema}"}
                    )
                ).replace("***", url.password or ""),
                "MELTANO_DATABASE_MAX_RETRIES": "2",
                "MELTANO_DATABASE_RETRY_TIMEOUT": "1",
                "TAP_COUNTER_RECORDS": "60",
                "TAP_COUNTER_STATE_EVERY": "1",
                "TAP_COUNTER_RECORD_DELAY": "0.1",
            }
            began = time.monotonic()
            process = start(pipeline_project, *RUN, env=env)
            cleanup.append(process)
            under_way = wait_for(
                lambda: len(ids(pipeline_project)) >= 15 or process.poll() is not None, 60
            )
            assert under_way and process.poll() is None, finish(process, began).stderr[-2000:]
            proxy.cut()  # the server is gone for meltano: connections dropped, new ones refused
            before = stored()
            done = finish(process, began)
            after = stored()
            error = expected_failure(done)
            assert f"127.0.0.1:{proxy.port}" in error  # the host, without the password
            assert f":{url.password}@" not in done.stderr
            retries = done.stderr.count("database connection failed, retrying")
            assert retries >= 2, done.stderr[-2000:]
            assert before is not None and after == before  # state flushed before the loss stays
            proxy.restore()
            resumed = meltano(pipeline_project, *RUN, env=env)
            assert resumed.code == 0, resumed.stderr[-2000:]
    finally:
        with admin.begin() as connection:
            connection.execute(sqlalchemy.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()
    assert set(ids(pipeline_project)) == set(range(1, 61))  # nothing lost across the two runs
    print(
        f"F28 PostgreSQL lost after 15 records: {retries} retries, then failed naming the host; "
        f"state kept at {before}"
    )


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 4 MiB file system (tmpfs), so writes fail with ENOSPC as on a full disk."""
    if os.geteuid() != 0:
        unavailable("mounting a tmpfs for the full-disk tests needs root")
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m,mode=0755", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    if mounted.returncode != 0:
        unavailable(f"cannot mount a tmpfs: {mounted.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], timeout=30, check=False)


def fill(disk: Path, *, leave: int) -> None:
    """Fill `disk` until a write fails with ENOSPC, then free `leave` bytes."""
    filler = disk / "filler"
    with filler.open("wb", buffering=0) as handle, contextlib.suppress(OSError):
        while True:
            handle.write(b"\0" * 65536)
    os.truncate(filler, max(0, filler.stat().st_size - leave))


def test_f28_full_disk_while_writing_dotenv_keeps_the_old_file(
    pipeline_project: Path, small_disk: Path
) -> None:
    env_file = small_disk / ".env"
    env_file.write_text("# mine\nTAP_COUNTER_RECORDS=4\n")
    before = env_file.read_bytes()
    fill(small_disk, leave=0)
    done = meltano(
        pipeline_project,
        "--env-file",
        str(env_file),
        "config",
        "set",
        "tap-counter",
        "secret",
        "s" * 10_000,
    )
    error = expected_failure(done)
    assert f"Cannot write {env_file}: No space left on device" in error
    assert env_file.read_bytes() == before
    assert sorted(p.name for p in small_disk.iterdir()) == [".env", "filler"]  # no temp file
    print(f"F28 full disk writing .env: {error}")


def sys_dir_on(disk: Path, project: Path) -> dict[str, str]:
    """The system directory (run files, logs) on `disk`; the database elsewhere."""
    return {
        "MELTANO_SYS_DIR_ROOT": str(disk / "sys"),
        "MELTANO_DATABASE_URI": f"sqlite:///{project / '.meltano' / 'meltano.db'}",
    }


def test_f28_full_disk_while_writing_the_run_log(pipeline_project: Path, small_disk: Path) -> None:
    env = sys_dir_on(small_disk, pipeline_project)
    assert meltano(pipeline_project, "state", "list", env=env).code == 0  # sys dir made
    fill(small_disk, leave=256 * 1024)  # room for the run files, not for 2 MB of log
    done = meltano(
        pipeline_project,
        *RUN,
        env={**env, "TAP_COUNTER_STDERR_LINES": "20000", "TAP_COUNTER_STDERR_WIDTH": "100"},
    )
    error = expected_failure(done)
    logs = small_disk / "sys" / "logs" / "elt"
    assert f"Cannot write {logs}/" in error and "elt.log: No space left on device" in error
    assert bookmark(pipeline_project) == 6  # the run finished: its state is stored
    [record] = run_records(pipeline_project)
    assert record.state == "FAIL" and "No space left on device" in str(record.payload)
    assert list((small_disk / "sys" / "run" / "runs").iterdir()) == []
    print(f"F28 full disk writing the run log: {error}")


def test_f28_full_disk_while_writing_a_run_file(pipeline_project: Path, small_disk: Path) -> None:
    env = sys_dir_on(small_disk, pipeline_project)
    assert meltano(pipeline_project, "state", "list", env=env).code == 0
    fill(small_disk, leave=0)
    done = meltano(pipeline_project, "run", "--no-state-update", *RUN[1:], env=env)
    error = expected_failure(done)
    runs = small_disk / "sys" / "run" / "runs"
    assert f"Cannot write {runs}/" in error and ": No space left on device" in error
    assert list(runs.iterdir()) == []  # nothing half-written left behind
    print(f"F28 full disk writing a run file: {error}")
