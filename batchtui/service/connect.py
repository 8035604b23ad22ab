"""A BatchService for a configured account: shared key or Entra ID."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from azure.core.credentials import AzureNamedKeyCredential

from ..account import AUTH_ENTRA, Account
from .client import DEFAULT_TIMEOUT, BatchService

if TYPE_CHECKING:
    from azure.core.credentials_async import AsyncTokenCredential

    from .storage import BlobStore


def service_for(account: Account, *, timeout: float | None = None, **options: Any) -> BatchService:
    """The account's BatchService; `options` are BatchService's (retries). `timeout` (seconds for an answer,
    see BatchService): this one (e.g. --timeout), else the account's, else DEFAULT_TIMEOUT.
    Raises ConfigError when the account's key cannot be read."""
    credential: AsyncTokenCredential | AzureNamedKeyCredential
    if account.auth == AUTH_ENTRA:
        from azure.identity.aio import DefaultAzureCredential

        credential = DefaultAzureCredential()
    else:
        credential = AzureNamedKeyCredential(account.account_name, account.shared_key())
    timeout = timeout or account.timeout or DEFAULT_TIMEOUT
    return BatchService(account.endpoint, credential, timeout=timeout, **options)


def blob_store_for(account: Account) -> BlobStore | None:
    """The account's linked storage as a BlobStore, or None when it has none.
    Raises ConfigError when the connection string's variable is unset."""
    from .storage import BlobStore

    connection = account.storage_connection_string()
    if connection:
        return BlobStore.from_connection_string(connection)
    if account.storage_account_url:
        from azure.identity.aio import DefaultAzureCredential

        return BlobStore.from_credential(account.storage_account_url, DefaultAzureCredential())
    return None
