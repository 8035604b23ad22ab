"""The applications view as plain data: each application with its package versions (from the package
store, or by name only from Batch's data plane), and the lines the tree shows for them. No Textual."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from rich.text import Text

from ...service.applications import ApplicationRow, PackageVersion
from .log_buffer import one_line

__all__ = ["AppEntry", "Listing", "app_label", "version_label"]

MANAGEMENT_NOTE = ("versions by name only: their state and last activation, uploads and the default version "
                   "are the management plane's (az batch application package …)")


@dataclass
class AppEntry:
    """One application: its versions with state (`versions`, None when only the names are known) and
    its default version (None when unknown or unset)."""

    row: ApplicationRow
    versions: list[PackageVersion] | None = None
    default: str | None = None

    @property
    def names(self) -> list[str]:
        return [v.version for v in self.versions] if self.versions is not None else list(self.row.versions)


@dataclass
class Listing:
    """Everything the view shows: the applications, and whether the package store was read (`store`)."""

    apps: list[AppEntry]
    store: bool

    def find(self, app_id: str) -> AppEntry | None:
        return next((entry for entry in self.apps if entry.row.id == app_id), None)

    def summary(self) -> str:
        count = len(self.apps)
        versions = sum(len(entry.names) for entry in self.apps)
        where = "package store: batchtui-applications" if self.store else MANAGEMENT_NOTE
        return (f"{count} application{'s' if count != 1 else ''}, {versions} version{'s' if versions != 1 else ''}"
                f"  ·  {where}")


def app_label(entry: AppEntry) -> Text:
    """'wordcount  3 versions  default 2.0' (the display name too when it differs from the id)."""
    row = entry.row
    text = Text(one_line(row.id), style="bold")
    if row.display_name and row.display_name != row.id:
        text.append(f" ({one_line(row.display_name)})")
    count = len(entry.names)
    text.append(f"  {count} version{'s' if count != 1 else ''}", style="dim")
    if entry.default:
        text.append("  default ", style="dim")
        text.append(one_line(entry.default), style="green")
    return text


def version_label(entry: AppEntry, name: str, width: int,
                  format_time: Callable[[datetime], str] | None) -> Text:
    """'2.0    active  activated 2026-11-23 10:00:00  12,345 B  default'."""
    text = Text(one_line(name).ljust(width))
    version = next((v for v in entry.versions or [] if v.version == name), None)
    if version is not None:
        text.append(f"  {version.state:<7}", style="green" if version.state == "active" else "yellow")
        if version.last_activation is not None and format_time is not None:
            text.append(f"  activated {format_time(version.last_activation)}", style="dim")
        text.append(f"  {version.size:>9,} B", style="cyan")
    if entry.default == name:
        text.append("  default", style="bold green")
    return text
