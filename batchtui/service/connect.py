"""A BatchService for a configured account: shared key or Entra ID."""

from __future__ import annotations

from azure.core.credentials import AzureNamedKeyCredential

from ..config import AUTH_ENTRA, Account
from .client import BatchService


def service_for(account: Account, **options) -> BatchService:
    """Raises ConfigError when the account's key cannot be read."""
    if account.auth == AUTH_ENTRA:
        from azure.identity.aio import DefaultAzureCredential

        credential = DefaultAzureCredential()
    else:
        credential = AzureNamedKeyCredential(account.account_name, account.shared_key())
    return BatchService(account.endpoint, credential, **options)


def blob_store_for(account: Account):
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
