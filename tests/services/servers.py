"""Fixtures that start the storage services the state backends talk to, on 127.0.0.1.

`.ci/services.sh` installs them (and starts PostgreSQL). Each fixture starts its own server on
a free port in a temporary directory. A service that is not installed or not reachable skips
its tests with the reason, except under CI, where it fails them instead: `CI` set (as CI
providers do), or `MELTANO_TEST_SERVICES=required`, which `.ci/run` exports once
`.ci/services.sh` started everything, so that no CI machine skips them silently.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest

AZURITE_ACCOUNT = "devstoreaccount1"
AZURITE_KEY = (  # Azurite's well-known development key, public by design
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)
DEFAULT_POSTGRES_URI = "postgresql+psycopg://meltano:meltano@127.0.0.1:5432/meltano_test"
START_TIMEOUT_SECONDS = 30.0


def unavailable(reason: str) -> NoReturn:
    """Skip locally; under CI a missing service is a failure, never a silent skip."""
    if os.environ.get("CI") or os.environ.get("MELTANO_TEST_SERVICES") == "required":
        pytest.fail(f"{reason} (under CI this test must run; see .ci/services.sh)")
    pytest.skip(f"{reason}; run .ci/services.sh to install and start it")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, *, process: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited early with {process.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {START_TIMEOUT_SECONDS}s")


@contextlib.contextmanager
def _process(argv: list[str], port: int, cwd: Path) -> Iterator[None]:
    process = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, process=process)
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """A moto S3 server; yields its endpoint URL (any credentials are accepted)."""
    try:
        from moto.server import ThreadedMotoServer
    except ImportError:
        unavailable("moto[server] is not installed")
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        wait_for_port(port)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture(scope="session")
def gcs_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A gcp-storage-emulator server (in memory); yields its URL for STORAGE_EMULATOR_HOST."""
    executable = shutil.which("gcp-storage-emulator") or _venv_script("gcp-storage-emulator")
    if executable is None:
        unavailable("gcp-storage-emulator is not installed")
    port = free_port()
    argv = [executable, "start", "--host", "127.0.0.1", "--port", str(port), "--in-memory"]
    with _process(argv, port, tmp_path_factory.mktemp("gcs")):
        yield f"http://127.0.0.1:{port}"


@pytest.fixture(scope="session")
def azurite_connection_string(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An Azurite blob server in a temporary directory; yields a connection string."""
    executable = shutil.which("azurite-blob")
    if executable is None:
        unavailable("Azurite (npm package `azurite`) is not installed")
    port = free_port()
    location = tmp_path_factory.mktemp("azurite")
    argv = [
        executable,
        "--blobHost", "127.0.0.1",
        "--blobPort", str(port),
        "--location", str(location),
        "--skipApiVersionCheck",
        "--loose",
        "--silent",
    ]  # fmt: skip
    with _process(argv, port, location):
        yield (
            f"DefaultEndpointsProtocol=http;AccountName={AZURITE_ACCOUNT};"
            f"AccountKey={AZURITE_KEY};BlobEndpoint=http://127.0.0.1:{port}/{AZURITE_ACCOUNT};"
        )


@pytest.fixture(scope="session")
def postgres_uri() -> str:
    """The PostgreSQL server `.ci/services.sh` starts (or MELTANO_TEST_POSTGRES_URI)."""
    uri = os.environ.get("MELTANO_TEST_POSTGRES_URI", DEFAULT_POSTGRES_URI)
    try:
        import psycopg
    except ImportError:
        unavailable("psycopg is not installed")
    try:
        psycopg.connect(
            uri.replace("postgresql+psycopg://", "postgresql://"), connect_timeout=3
        ).close()
    except psycopg.OperationalError as error:
        unavailable(f"PostgreSQL is not reachable at {uri.split('@')[-1]}: {error}")
    return uri


@pytest.fixture
def postgres_schema_uri(postgres_uri: str) -> Iterator[str]:
    """A URI of the PostgreSQL server whose tables live in a fresh schema, dropped afterwards."""
    import uuid

    import sqlalchemy

    from meltano.core.db.engine import create_engine

    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_uri)
    with admin.begin() as connection:
        connection.execute(sqlalchemy.text(f"CREATE SCHEMA {schema}"))
    yield f"{postgres_uri}?options=-csearch_path%3D{schema}"
    with admin.begin() as connection:
        connection.execute(sqlalchemy.text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


def _venv_script(name: str) -> str | None:
    import sys

    candidate = Path(sys.executable).parent / name
    return str(candidate) if candidate.exists() else None
