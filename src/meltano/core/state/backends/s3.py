"""`s3://[KEY:SECRET@]bucket/prefix`: state objects on AWS S3 or an S3-compatible service.

Locks use S3 conditional writes (`If-None-Match: *` to create, `If-Match: <etag>` to take
over a stale lock or to release our own), so two writers can never both hold one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import unquote, urlsplit

from meltano.core.errors import MeltanoError
from meltano.core.state.backends.objects import (
    ObjectStoreBackend,
    StateStorageError,
    Versioned,
    join,
    split_uri,
)
from meltano.core.state.redact import redact
from meltano.core.state.settings import StateBackendSettings

if TYPE_CHECKING:
    from meltano.core.project.project import Project

T = TypeVar("T")
_CONFLICT = ("PreconditionFailed", "ConditionalRequestConflict", "412", "409")
_MISSING = ("NoSuchKey", "404", "NotFound")


class S3Store:
    """ObjectStore primitives on one bucket and prefix."""

    def __init__(self, client: Any, bucket: str, prefix: str) -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix
        self.location = f"s3://{bucket}/{prefix}".rstrip("/")

    def get(self, key: str) -> Versioned | None:
        try:
            response = self._call(self.client.get_object, Key=join(self.prefix, key))
        except _Missing:
            return None
        return Versioned(response["Body"].read(), str(response["ETag"]))

    def put(self, key: str, data: bytes) -> None:
        self._call(self.client.put_object, Key=join(self.prefix, key), Body=data)

    def create(self, key: str, data: bytes) -> str | None:
        try:
            response = self._call(
                self.client.put_object, Key=join(self.prefix, key), Body=data, IfNoneMatch="*"
            )
        except _Conflict:
            return None
        return str(response["ETag"])

    def replace(self, key: str, data: bytes, version: str) -> str | None:
        try:
            response = self._call(
                self.client.put_object, Key=join(self.prefix, key), Body=data, IfMatch=version
            )
        except (_Conflict, _Missing):
            return None
        return str(response["ETag"])

    def delete(self, key: str, version: str | None = None) -> None:
        extra = {"IfMatch": version} if version else {}
        try:
            self._call(self.client.delete_object, Key=join(self.prefix, key), **extra)
        except (_Conflict, _Missing):
            return  # someone else's lock by now, or already gone

    def list_keys(self) -> Iterator[str]:
        start = f"{self.prefix}/" if self.prefix else ""
        paginator = self.client.get_paginator("list_objects_v2")
        pages = self._call(lambda **kw: list(paginator.paginate(**kw)), Prefix=start)
        for page in pages:
            for item in page.get("Contents", []):
                yield str(item["Key"])[len(start) :]

    def _call(self, method: Callable[..., T], **kwargs: Any) -> T:
        from botocore.exceptions import (  # type: ignore[import-untyped]  # no stubs shipped
            BotoCoreError,
            ClientError,
        )

        try:
            return method(Bucket=self.bucket, **kwargs)
        except ClientError as error:
            code = str(error.response.get("Error", {}).get("Code", ""))
            status = str(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", ""))
            if code in _CONFLICT or status in ("412", "409"):
                raise _Conflict from error
            if code in _MISSING or (status == "404" and code != "NoSuchBucket"):
                raise _Missing from error
            raise StateStorageError(self.location, f"{code or status}: {error}") from error
        except BotoCoreError as error:
            raise StateStorageError(self.location, str(error)) from error


class _Conflict(Exception):
    """A conditional write lost."""


class _Missing(Exception):
    """No such object."""


def open_s3(
    uri: str, settings: StateBackendSettings, project: Project | None = None
) -> ObjectStoreBackend:
    """Credentials: settings, else `KEY:SECRET@` in the URI, else the default AWS chain."""
    import boto3  # type: ignore[import-untyped]  # no stubs shipped

    parts = urlsplit(uri)
    key_id = settings.option("s3.aws_access_key_id") or unquote(parts.username or "") or None
    secret = settings.option("s3.aws_secret_access_key") or unquote(parts.password or "") or None
    if bool(key_id) != bool(secret):
        raise MeltanoError(
            "Only one of the S3 access key ID and secret access key is set",
            "Set both `state_backend.s3.aws_access_key_id` and "
            "`state_backend.s3.aws_secret_access_key`, or neither to use the default AWS chain",
        )
    bucket, prefix = split_uri(uri)
    if not bucket:
        raise MeltanoError(f"The S3 state backend URI {redact(uri)} names no bucket")
    from botocore.config import Config  # type: ignore[import-untyped]  # no stubs shipped

    session = boto3.session.Session(aws_access_key_id=key_id, aws_secret_access_key=secret)
    client = session.client(
        "s3",
        endpoint_url=settings.option("s3.endpoint_url"),
        # Fail in seconds, not minutes, when the service is unreachable.
        config=Config(connect_timeout=10, read_timeout=60, retries={"max_attempts": 3}),
    )
    return ObjectStoreBackend(S3Store(client, bucket, prefix), settings)
