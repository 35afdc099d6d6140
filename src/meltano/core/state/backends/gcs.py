"""`gs://bucket/prefix`: state objects on Google Cloud Storage.

Locks use generation preconditions (`if_generation_match=0` to create, `=<generation>` to
take over a stale lock or release our own).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from meltano.core.errors import MeltanoError
from meltano.core.state.backends.objects import (
    ObjectStoreBackend,
    StateStorageError,
    Versioned,
    join,
    split_uri,
)
from meltano.core.state.settings import StateBackendSettings

if TYPE_CHECKING:
    from meltano.core.project.project import Project

T = TypeVar("T")


class GcsStore:
    """ObjectStore primitives on one bucket and prefix."""

    def __init__(self, client: Any, bucket: str, prefix: str) -> None:
        self.client = client
        self.bucket = client.bucket(bucket)
        self.prefix = prefix
        self.location = f"gs://{bucket}/{prefix}".rstrip("/")

    def get(self, key: str) -> Versioned | None:
        blob = self._call(self.bucket.get_blob, join(self.prefix, key))
        if blob is None:
            return None
        # Download exactly the generation whose number we return.
        data = self._call(blob.download_as_bytes, if_generation_match=blob.generation)
        if data is None or data is _LOST:
            return self.get(key)  # replaced or deleted in between: look again
        return Versioned(data, str(blob.generation))

    def put(self, key: str, data: bytes) -> None:
        self._call(self.bucket.blob(join(self.prefix, key)).upload_from_string, data)

    def create(self, key: str, data: bytes) -> str | None:
        return self._conditional_upload(key, data, 0)

    def replace(self, key: str, data: bytes, version: str) -> str | None:
        return self._conditional_upload(key, data, _generation(version))

    def delete(self, key: str, version: str | None = None) -> None:
        generation = _generation(version)
        extra = {} if generation is None else {"if_generation_match": generation}
        self._call(self.bucket.delete_blob, join(self.prefix, key), **extra)

    def list_keys(self) -> Iterator[str]:
        start = f"{self.prefix}/" if self.prefix else ""
        blobs = self._call(lambda: list(self.client.list_blobs(self.bucket, prefix=start)))
        for blob in blobs or []:
            yield str(blob.name)[len(start) :]

    def _conditional_upload(self, key: str, data: bytes, generation: int | None) -> str | None:
        """Upload if the object is at `generation` (0: absent; None: unknown, so always)."""
        blob = self.bucket.blob(join(self.prefix, key))
        extra = {} if generation is None else {"if_generation_match": generation}
        done = self._call(blob.upload_from_string, data, **extra)
        return None if done is _LOST else str(blob.generation)

    def _call(self, method: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
        """Run an SDK call: None when the object is missing, _LOST when a precondition failed."""
        from google.api_core import exceptions
        from google.auth.exceptions import GoogleAuthError

        try:
            return method(*args, **kwargs)
        except exceptions.NotFound as error:
            if "bucket" in str(error).lower() and "object" not in str(error).lower():
                raise StateStorageError(self.location, str(error)) from error
            return None
        except exceptions.PreconditionFailed:
            return _LOST  # type: ignore[return-value]  # a sentinel the callers compare with
        except (exceptions.GoogleAPIError, GoogleAuthError) as error:
            raise StateStorageError(self.location, str(error)) from error
        except OSError as error:  # connection refused, DNS
            raise StateStorageError(self.location, str(error)) from error


_LOST = object()


def _generation(version: str | None) -> int | None:
    """The generation number behind a version token; None when the server gave none
    (real GCS always does; some emulators do not)."""
    return int(version) if version and version.isdigit() else None


def open_gcs(
    uri: str, settings: StateBackendSettings, project: Project | None = None
) -> ObjectStoreBackend:
    """Credentials: JSON setting, else a key file path setting, else the default chain."""
    from google.cloud import storage  # type: ignore[import-untyped]  # no stubs shipped

    bucket, prefix = split_uri(uri)
    if not bucket:
        raise MeltanoError("GCS state backend URI must include a bucket name")
    info = settings.option("gcs.application_credentials_json")
    path = settings.option("gcs.application_credentials_path") or settings.option(
        "gcs.application_credentials"
    )
    try:
        if info:
            client = storage.Client.from_service_account_info(json.loads(info))
        elif path:
            client = storage.Client.from_service_account_json(path)
        else:
            client = storage.Client()
    except (ValueError, OSError) as error:
        raise MeltanoError(
            f"Cannot load the Google Cloud credentials: {type(error).__name__}",
            "Check `state_backend.gcs.application_credentials_json` or `..._path`",
        ) from error
    except Exception as error:  # google.auth raises DefaultCredentialsError and others
        raise StateStorageError(f"gs://{bucket}", str(error)) from error
    return ObjectStoreBackend(GcsStore(client, bucket, prefix), settings)
