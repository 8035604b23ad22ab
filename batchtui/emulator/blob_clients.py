"""Container clients (azure-storage-blob, aio) for the storage work around a
task's run: the account's auto-storage account by container name, or any
container by its (SAS) URL. Both fail fast, so a dead storage endpoint fails
the task in seconds rather than hanging it."""

from __future__ import annotations

from typing import Any

from azure.storage.blob.aio import ContainerClient

# azure-core pipeline options: two retries, 1 s then 2 s apart (the storage SDK's own back-off, 15 s then
# 18 s, kept a dead endpoint's request for 46 s), timeouts in seconds.
CLIENT_OPTIONS: dict[str, Any] = {"retry_total": 2, "connection_timeout": 20, "read_timeout": 120,
                                  "initial_backoff": 1, "increment_base": 1, "random_jitter_range": 0}


class AutoStorage:
    """The Batch account's auto-storage account, given as a connection string
    (None or "": the account has none)."""

    def __init__(self, connection_string: str | None) -> None:
        self.connection_string = connection_string or None

    def container(self, name: str) -> ContainerClient:
        """A client for container `name`; ValueError (message has no secrets)
        when there is no auto-storage account or its connection string is bad."""
        if not self.connection_string:
            raise ValueError(
                "the Batch account has no auto-storage account (start the emulator with its connection string in "
                "BATCHTUI_EMULATOR_STORAGE_CONNECTION_STRING)"
            )
        try:
            return ContainerClient.from_connection_string(self.connection_string, name, **CLIENT_OPTIONS)
        except ValueError:
            raise ValueError("the auto-storage connection string is not valid") from None


def url_container(url: str) -> ContainerClient:
    """A client for the container at `url` (with its SAS token, if any); ValueError for a bad URL."""
    return ContainerClient.from_container_url(url, **CLIENT_OPTIONS)
