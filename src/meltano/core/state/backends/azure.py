"""`azure://container/prefix`: state blobs in Azure Blob Storage.

Locks use ETag conditions (create without overwrite; replace or delete only if unmodified).
"""

from __future__ import annotations

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


class _Lost(Exception):
    """A conditional write or delete lost."""


class AzureStore:
    """ObjectStore primitives on one container and prefix."""

    def __init__(self, container: Any, name: str, prefix: str) -> None:
        self.container = container
        self.prefix = prefix
        self.location = f"azure://{name}/{prefix}".rstrip("/")

    def get(self, key: str) -> Versioned | None:
        try:
            downloader = self._call(self.container.download_blob, join(self.prefix, key))
        except _Lost:
            return None
        return Versioned(downloader.readall(), str(downloader.properties.etag))

    def put(self, key: str, data: bytes) -> None:
        self._call(self._blob(key).upload_blob, data, overwrite=True)

    def create(self, key: str, data: bytes) -> str | None:
        try:
            result = self._call(self._blob(key).upload_blob, data, overwrite=False)
        except _Lost:
            return None
        return str(result["etag"])

    def replace(self, key: str, data: bytes, version: str) -> str | None:
        from azure.core import MatchConditions

        try:
            result = self._call(
                self._blob(key).upload_blob,
                data,
                overwrite=True,
                etag=version,
                match_condition=MatchConditions.IfNotModified,
            )
        except _Lost:
            return None
        return str(result["etag"])

    def delete(self, key: str, version: str | None = None) -> None:
        from azure.core import MatchConditions

        extra: dict[str, Any] = {}
        if version:
            extra = {"etag": version, "match_condition": MatchConditions.IfNotModified}
        try:
            self._call(self.container.delete_blob, join(self.prefix, key), **extra)
        except _Lost:
            return

    def list_keys(self) -> Iterator[str]:
        start = f"{self.prefix}/" if self.prefix else ""
        names = self._call(lambda: list(self.container.list_blob_names(name_starts_with=start)))
        for name in names:
            yield str(name)[len(start) :]

    def _blob(self, key: str) -> Any:
        return self.container.get_blob_client(join(self.prefix, key))

    def _call(self, method: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        from azure.core import exceptions

        try:
            return method(*args, **kwargs)
        except exceptions.ResourceNotFoundError as error:
            if getattr(error, "error_code", None) == "ContainerNotFound":
                raise StateStorageError(self.location, "the container does not exist") from error
            raise _Lost from error
        except (exceptions.ResourceExistsError, exceptions.ResourceModifiedError) as error:
            raise _Lost from error
        except exceptions.AzureError as error:
            detail = f"{type(error).__name__}: {error}"
            raise StateStorageError(self.location, detail) from error


def open_azure(
    uri: str, settings: StateBackendSettings, project: Project | None = None
) -> ObjectStoreBackend:
    """Credentials: a connection string, else the account URL with the default credential."""
    from azure.storage.blob import BlobServiceClient

    container, prefix = split_uri(uri)
    if not container:
        raise MeltanoError("Azure state backend URI must include a container name")
    connection_string = settings.option("azure.connection_string")
    account_url = settings.option("azure.storage_account_url")
    try:
        if connection_string:
            service = BlobServiceClient.from_connection_string(connection_string)
        elif account_url:
            try:
                from azure.identity import (  # type: ignore[import-untyped]  # optional, no stubs
                    DefaultAzureCredential,
                )
            except ImportError as error:
                raise MeltanoError(
                    "Using `state_backend.azure.storage_account_url` needs the azure-identity "
                    "package",
                    "Install it next to meltano, or set `state_backend.azure.connection_string`",
                ) from error
            service = BlobServiceClient(account_url, credential=DefaultAzureCredential())
        else:
            raise MeltanoError(
                "The Azure state backend has no credentials",
                "Set `state_backend.azure.connection_string` or "
                "`state_backend.azure.storage_account_url`",
            )
    except ValueError as error:  # a malformed connection string; never echo it
        raise MeltanoError(
            "The Azure connection string is malformed",
            "Check `state_backend.azure.connection_string`",
        ) from error
    return ObjectStoreBackend(
        AzureStore(service.get_container_client(container), container, prefix), settings
    )
