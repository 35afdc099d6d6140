"""F12, F13, F14, F19: bad STATE, a damaged state file, many STATE messages, an unwritable backend."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from meltano.core.errors import ExitCode
from tests.faults.conftest import (
    STATE_ID,
    bookmark,
    finish,
    ids,
    meltano,
    start,
    wait_for,
)

PLAIN = ("run", "tap-counter", "target-jsonl")


def file_backend(tmp_path: Path) -> tuple[dict[str, str], Path]:
    root = tmp_path / "state-store"
    return {"MELTANO_STATE_BACKEND_URI": f"file://{root}"}, root / STATE_ID / "state.json"


@pytest.mark.parametrize("bad", ["string", "array", "null", "not-json"])
def test_f12_bad_state_is_rejected_and_the_last_good_state_kept(
    pipeline_project: Path, tmp_path: Path, bad: str
) -> None:
    backend, state_file = file_backend(tmp_path)
    assert meltano(pipeline_project, *PLAIN, env=backend).code == 0
    stored_before = state_file.read_bytes()
    printed_before = meltano(pipeline_project, "state", "get", STATE_ID, env=backend).stdout
    fault = (
        {"TARGET_JSONL_STDOUT_GARBAGE": "true"}
        if bad == "not-json"
        else {"TAP_COUNTER_BAD_STATE": json.dumps(bad)}  # "null" would parse to None
    )
    done = meltano(pipeline_project, *PLAIN, env={**backend, **fault})
    assert done.code == 0, done.stderr
    warning = next(line for line in done.stderr.splitlines() if "invalid state" in line)
    assert "plugin=target-jsonl" in warning.replace("'", "")
    assert state_file.read_bytes() == stored_before  # byte for byte
    assert meltano(pipeline_project, "state", "get", STATE_ID, env=backend).stdout == printed_before


@pytest.mark.parametrize("payload", ['"a string"', "[1, 2]", "null", "this is not JSON"])
def test_f12_state_set_rejects_the_same_payloads(pipeline_project: Path, payload: str) -> None:
    assert meltano(pipeline_project, *PLAIN).code == 0
    before = meltano(pipeline_project, "state", "get", STATE_ID).stdout
    document = payload if payload.startswith("this") else f'{{"singer_state": {payload}}}'
    refused = meltano(pipeline_project, "state", "set", "--force", STATE_ID, document)
    assert refused.code == ExitCode.FAILED
    assert "Traceback" not in refused.stderr
    assert meltano(pipeline_project, "state", "get", STATE_ID).stdout == before


def test_f13_truncated_state_file_fails_closed_naming_it(
    pipeline_project: Path, tmp_path: Path
) -> None:
    backend, state_file = file_backend(tmp_path)
    assert meltano(pipeline_project, *PLAIN, env=backend).code == 0
    whole = state_file.read_bytes()
    state_file.write_bytes(whole[: len(whole) // 2])  # as if a writer died mid-write
    done = meltano(pipeline_project, *PLAIN, env={**backend, "TAP_COUNTER_RECORDS": "8"})
    assert done.code != 0
    assert str(state_file) in done.stderr
    assert ids(pipeline_project) == [1, 2, 3, 4, 5, 6]  # no silent full refresh
    assert state_file.read_bytes() == whole[: len(whole) // 2]  # left for the user to inspect


@pytest.mark.slow
def test_f14_ten_thousand_state_messages_cost_under_a_second(pipeline_project: Path) -> None:
    few = {"TAP_COUNTER_RECORDS": "10000", "TAP_COUNTER_STATE_EVERY": "1000"}
    many = {"TAP_COUNTER_RECORDS": "10000", "TAP_COUNTER_STATE_EVERY": "1"}
    full = ("run", "--full-refresh", "tap-counter", "target-jsonl")
    few_times, many_times = [], []
    for _ in range(2):  # interleaved, best of two: a shared machine is noisy
        few_times.append(meltano(pipeline_project, *full, env=few, log_level="warning").seconds)
        done = meltano(pipeline_project, *full, env=many, log_level="warning")
        assert done.code == 0, done.stderr
        many_times.append(done.seconds)
    extra = min(many_times) - min(few_times)
    print(
        f"F14 10,000 STATE messages: {min(many_times):.2f} s vs 10: {min(few_times):.2f} s "
        f"(+{extra:.2f} s)"
    )
    assert extra <= 1.0
    assert bookmark(pipeline_project) == 10000


def run_until_tap_waits(project: Path, env: dict[str, str], release: Path) -> tuple:
    """Start a run whose tap waits for `release`; return (process, start time) once it waits."""
    ready = project / "tap.ready"
    env = {
        **env,
        "TAP_COUNTER_READY_FILE": str(ready),
        "TAP_COUNTER_WAIT_FILE": str(release),
        "TAP_COUNTER_STATE_EVERY": "1",
    }
    began = time.monotonic()
    process = start(project, *PLAIN, env=env)
    assert wait_for(ready.exists, 30)
    return process, began


def test_f19_file_backend_unwritable_mid_run(pipeline_project: Path, tmp_path: Path) -> None:
    import os
    import shutil

    backend, state_file = file_backend(tmp_path)
    release = tmp_path / "release"
    process, began = run_until_tap_waits(pipeline_project, backend, release)
    try:
        directory = state_file.parent
        if os.geteuid() == 0:  # root writes through permissions: take the directory away
            shutil.rmtree(directory, ignore_errors=True)
            directory.write_text("not a directory any more")
        else:
            directory.mkdir(parents=True, exist_ok=True)
            directory.chmod(0o500)
        release.touch()
        done = finish(process, began)
    finally:
        if process.poll() is None:
            process.kill()
        if state_file.parent.is_dir():
            state_file.parent.chmod(0o700)
    assert done.code == ExitCode.FAILED
    assert "Cannot write" in done.stderr and str(directory) in done.stderr
    assert "Traceback" not in done.stderr


@pytest.fixture
def moto_s3() -> Iterator[str]:
    """A moto S3 server of our own: this test switches its authentication on mid-run."""
    from tests.services.servers import free_port, unavailable, wait_for_port

    try:
        from moto.server import ThreadedMotoServer
    except ImportError:
        unavailable("moto[server] is not installed")
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    try:
        wait_for_port(port)
        yield endpoint
    finally:
        moto_auth(endpoint, "inf")
        server.stop()


def moto_auth(endpoint: str, free_requests: str) -> None:
    """Make moto check credentials after `free_requests` more requests ("inf": never)."""
    import urllib.request

    request = urllib.request.Request(
        f"{endpoint}/moto-api/reset-auth",
        data=free_requests.encode(),
        headers={"Content-Type": "text/plain"},
        method="POST",
    )
    urllib.request.urlopen(request, timeout=10).read()


def test_f19_s3_answers_403_mid_run(pipeline_project: Path, tmp_path: Path, moto_s3: str) -> None:
    import boto3

    bucket = f"state-{uuid.uuid4().hex[:12]}"
    secret = "s3cr3t-" + uuid.uuid4().hex
    boto3.client(
        "s3",
        endpoint_url=moto_s3,
        region_name="us-east-1",
        aws_access_key_id="k",
        aws_secret_access_key="s",
    ).create_bucket(Bucket=bucket)
    env = {
        "MELTANO_STATE_BACKEND_URI": f"s3://AKIAFAULTSUITE:{secret}@{bucket}/state",
        "MELTANO_STATE_BACKEND_S3_ENDPOINT_URL": moto_s3,
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    release = tmp_path / "release"
    process, began = run_until_tap_waits(pipeline_project, env, release)
    try:
        # From now on moto checks credentials: ours are unknown to it, so S3 answers 403.
        moto_auth(moto_s3, "0")
        release.touch()
        done = finish(process, began)
    finally:
        if process.poll() is None:
            process.kill()
    assert done.code == ExitCode.FAILED, done.stderr
    assert "403" in done.stderr or "denied" in done.stderr.lower() or "AccessKey" in done.stderr
    assert "s3://" in done.stderr and bucket in done.stderr
    assert secret not in done.stderr
    assert secret not in done.stdout
    assert "Traceback" not in done.stderr
    print("F19 S3 403:", [line for line in done.stderr.splitlines() if "Error" in line][-1:])
