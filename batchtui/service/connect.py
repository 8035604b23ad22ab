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
