"""`meltano state` on the cloud backends, configured only through MELTANO_STATE_BACKEND_*."""

from __future__ import annotations

import json
import uuid

import pytest

from tests.conftest import Invoke
from tests.services.servers import (  # noqa: F401 - fixtures used by name
    azurite_connection_string,
    gcs_endpoint,
    s3_endpoint,
)

pytestmark = pytest.mark.slow
DOC = '{"singer_state": {"bookmarks": {"users": {"id": 4}}}}'


def exercise(invoke: Invoke, env: dict[str, str]) -> None:
    """set, merge, list, get, export, clear: the same results on every backend."""
    assert invoke("state", "set", "--force", "dev:tap-to-target", DOC, env=env).exit_code == 0
    merged = invoke("state", "merge", "dev:tap-to-target", '{"singer_state": {"x": 1}}', env=env)
    assert merged.exit_code == 0, merged.stderr
    assert invoke("state", "list", env=env).stdout == "dev:tap-to-target\n"
    assert json.loads(invoke("state", "get", "dev:tap-to-target", env=env).stdout) == {
        "singer_state": {"bookmarks": {"users": {"id": 4}}, "x": 1}
    }
    assert json.loads(invoke("state", "export", env=env).stdout) == {
        "dev:tap-to-target": {
            "completed": json.loads(DOC),
            "partial": {"singer_state": {"x": 1}},
        }
    }
    assert invoke("state", "clear", "--force", "dev:tap-to-target", env=env).exit_code == 0
    assert invoke("state", "list", env=env).stdout == ""


def test_s3(invoke: Invoke, s3_endpoint: str) -> None:
    import boto3

    bucket = f"state-{uuid.uuid4().hex[:12]}"
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id="k",
        aws_secret_access_key="s",
    )
    client.create_bucket(Bucket=bucket)
    env = {
        "MELTANO_STATE_BACKEND_URI": f"s3://{bucket}/meltano/state",
        "MELTANO_STATE_BACKEND_S3_ENDPOINT_URL": s3_endpoint,
        "MELTANO_STATE_BACKEND_S3_AWS_ACCESS_KEY_ID": "k",
        "MELTANO_STATE_BACKEND_S3_AWS_SECRET_ACCESS_KEY": "s",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    invoke("state", "set", "--force", "dev:a-to-b", DOC, env=env)
    listed = client.list_objects_v2(Bucket=bucket)["Contents"]
    assert [item["Key"] for item in listed] == ["meltano/state/dev:a-to-b/state.json"]
    invoke("state", "clear", "--force", "dev:a-to-b", env=env)
    exercise(invoke, env)


def test_gcs(invoke: Invoke, gcs_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from google.cloud import storage

    monkeypatch.setenv("STORAGE_EMULATOR_HOST", gcs_endpoint)
    bucket = f"state-{uuid.uuid4().hex[:12]}"
    storage.Client().create_bucket(bucket)
    exercise(invoke, {"MELTANO_STATE_BACKEND_URI": f"gs://{bucket}/prefix"})


def test_azure(invoke: Invoke, azurite_connection_string: str) -> None:
    from azure.storage.blob import BlobServiceClient

    container = f"state-{uuid.uuid4().hex[:12]}"
    BlobServiceClient.from_connection_string(azurite_connection_string).create_container(container)
    env = {
        "MELTANO_STATE_BACKEND_URI": f"azure://{container}/prefix",
        "MELTANO_STATE_BACKEND_AZURE_CONNECTION_STRING": azurite_connection_string,
    }
    exercise(invoke, env)
    missing = invoke("state", "list", env={**env, "MELTANO_STATE_BACKEND_URI": "azure://nope/p"})
    assert missing.exit_code == 1
    assert "AccountKey=Eby8" not in missing.stderr
