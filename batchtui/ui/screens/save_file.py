"""Saving a whole file (a task's or node's file, or a blob) to a local path: `SaveScreen` asks where, then
saves with a progress bar; `download_file` does the saving by ranged reads.

A file is never written over without asking: an existing path needs a second `enter`; the bytes go to a
temporary file beside the target, renamed into place when complete (nothing is left behind on failure).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Protocol

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, ProgressBar, Static

from ...service.errors import INVALID, OTHER, ServiceError
from ...service.localfiles import staged_file
from ...service.models import FileProps, FileRef
from ..model.log_buffer import one_line

__all__ = ["SAVE_CHUNK", "FileReader", "SaveScreen", "ShownFile", "default_save_name", "download_file"]

KiB = 1024
SAVE_CHUNK = 4 * 1024 * KiB  # bytes in one ranged GET while saving


class ShownFile(Protocol):
    """A file as the log view and the save dialog name it: a `FileRef`, or a blob's `BlobRef`."""

    @property
    def path(self) -> str: ...

    def describe(self) -> str: ...


class FileReader(Protocol):
    """What reads a file by ranges: a `BatchService` (for a FileRef), or `BlobFiles` (for a BlobRef)."""

    async def file_properties(self, ref: Any) -> FileProps: ...

    async def read_range(self, ref: Any, start: int, end: int | None) -> bytes: ...


def default_save_name(ref: ShownFile) -> str:
    """`./<task or node>-<file name>` (another kind of ref, e.g. a blob: `./<its base name>`), made safe as
    one file name."""
    if isinstance(ref, FileRef):
        owner = ref.task_id if ref.job_id else ref.node_id
        name = f"{owner}-{Path(ref.path).name}"
    else:
        name = ref.path.rstrip("/").rpartition("/")[2]
    cleaned = "".join(c if c.isprintable() and c not in "/\\" else "_" for c in name)
    return os.path.join(".", cleaned.lstrip(".") or "file")


async def download_file(service: FileReader, ref: ShownFile, path: str, *, overwrite: bool = False,
                        progress: Callable[[int, int], None] | None = None, chunk: int | None = None) -> int:
    """Save the whole file to `path` (by ranged GETs into a temporary file beside it, then renamed into
    place); the bytes written. Raises FileExistsError when `path` exists and not `overwrite`, ServiceError
    for the service, OSError for the local disk. The file's size is taken when the download starts."""
    chunk = max(1, chunk or SAVE_CHUNK)
    props = await service.file_properties(ref)
    if props.is_directory:
        raise ServiceError(INVALID, f"{ref.describe()} is a directory")
    size = props.size
    async with staged_file(path, overwrite) as out:
        done = 0
        if progress:
            progress(0, size)
        while done < size:
            end = min(size, done + chunk) - 1
            try:
                data = await service.read_range(ref, done, end)
            except ServiceError as err:
                if err.status == 416:
                    raise ServiceError(OTHER, "the file shrank while it was being saved") from None
                raise
            if not data:
                raise ServiceError(OTHER, "the file shrank while it was being saved")
            data = data[: end - done + 1]
            await asyncio.to_thread(out.write, data)
            done += len(data)
            if progress:
                progress(done, size)
    return size


class SaveScreen(ModalScreen[tuple[str, int] | None]):
    """Asks where to save a file, then saves it with a progress bar. Dismissed with (path, bytes) or None.

    `downloader(path, overwrite=…, progress=…)`, when given, saves instead of `download_file(service, ref,
    …)`, with the same contract (the bytes written; FileExistsError, ServiceError, OSError). `title`: the
    dialog's title, saying what is saved."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    DEFAULT_CSS = """
    SaveScreen { align: center middle; }
    SaveScreen > Vertical { width: 80; max-width: 100%; height: auto; border: round $accent; background: $surface;
                            padding: 0 1; }
    SaveScreen Input { margin: 1 0 0 0; }
    SaveScreen #save-message { height: auto; margin: 1 0 0 0; }
    SaveScreen ProgressBar { display: none; margin: 1 0 0 0; }
    SaveScreen ProgressBar.visible { display: block; }
    """

    def __init__(self, service: FileReader, ref: ShownFile, default_path: str, *,
                 downloader: Callable[..., Awaitable[int]] | None = None, title: str = "Save the whole file") -> None:
        super().__init__()
        self.title_text = title
        self.service = service
        self.ref = ref
        self.downloader = downloader
        self.default_path = default_path
        self._confirmed: str | None = None
        self.busy = False

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = Text(self.title_text)  # a Text: never markup
            yield Static(Text(f"Save {one_line(self.ref.describe())} to:"))
            yield Input(self.default_path, id="save-path")
            yield Static(Text("enter saves, esc cancels", style="dim"), id="save-message", markup=False)
            yield ProgressBar(id="save-progress", show_eta=False)

    def on_mount(self) -> None:
        self.query_one("#save-path", Input).focus()

    def _message(self, text: str, style: str = "") -> None:
        self.query_one("#save-message", Static).update(Text(text, style=style))

    @on(Input.Changed, "#save-path")
    def _path_changed(self) -> None:
        self._confirmed = None

    @on(Input.Submitted, "#save-path")
    def _submitted(self, event: Input.Submitted) -> None:
        if self.busy:
            return
        value = event.value.strip()
        if not value:
            self._message("a path, please", "bold red")
            return
        path = os.path.abspath(os.path.expanduser(value))
        if os.path.isdir(path):
            self._message(f"{one_line(path)} is a directory", "bold red")
            return
        if not os.path.isdir(os.path.dirname(path)):
            self._message(f"no such directory: {one_line(os.path.dirname(path))}", "bold red")
            return
        exists = os.path.lexists(path)
        if exists and self._confirmed != path:
            self._confirmed = path
            self._message(f"{one_line(path)} exists: press enter again to overwrite it", "bold yellow")
            return
        self._download(path, exists)

    @work(exclusive=True, group="save")
    async def _download(self, path: str, overwrite: bool) -> None:
        self.busy = True
        bar = self.query_one("#save-progress", ProgressBar)
        bar.add_class("visible")
        self._message(f"saving to {one_line(path)}…")

        def progress(done: int, total: int) -> None:
            bar.update(total=max(total, 1), progress=done if total else 1)

        try:
            if self.downloader is not None:
                size = await self.downloader(path, overwrite=overwrite, progress=progress)
            else:
                size = await download_file(self.service, self.ref, path, overwrite=overwrite, progress=progress)
        except FileExistsError:
            self._confirmed = None
            self._message(f"{one_line(path)} exists now: press enter again to overwrite it", "bold yellow")
        except (ServiceError, OSError) as err:
            self._message(f"not saved: {one_line(str(err))}", "bold red")
        else:
            self.dismiss((path, size))
            return
        finally:
            self.busy = False
        bar.remove_class("visible")

    def action_cancel(self) -> None:
        self.workers.cancel_group(self, "save")
        self.dismiss(None)
