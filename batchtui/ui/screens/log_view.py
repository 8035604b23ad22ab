"""The log view: one task or node file, opened at its end and followed as it grows.

`LogScreen(service, ref, follow_task=(job, task))` is pushed with
`app.push_screen(...)`; `escape` pops it. What it does:

- opens at the tail: the last TAIL_BYTES of the file (less a partial first
  line), never the whole file;
- follows: a self-scheduling poll worker (one `Follower.poll()` a round, the
  next round after `Follower.next_delay()`) fetches only the new bytes; a
  service error backs off (doubling, up to MAX_BACKOFF) with "retrying" in the
  status line and never ends the view;
- scrolling up stops following; the status line counts the lines that arrive
  meanwhile ("+N new lines"); `f`, `end` or `G` follow again;
- `g` shows the head of the file (its first HEAD_BYTES, read by range) when the
  window does not already start at byte 0; the status line always says which
  bytes are shown;
- the file shrinking or being replaced reloads the view; the file, task or node
  disappearing is reported and polling stops; a task not started yet is waited
  for; once the followed task completes the file is read one last time and
  polling stops ("task completed, exit N");
- any other source of a growing file works too: pass `follower_factory` (called with the keyword
  options min_delay, max_delay, read_cap and poll_cap; it returns an object with the Follower
  interface), a `service` whose `read_range(ref, start, end)` reads the file (for `g`), a `ref` with
  `path` and `describe()`, and a `downloader` for `s` (see SaveScreen) — the storage browser shows a
  blob so;
- `/` searches (as you type; `re:` for a regular expression) within the loaded
  window, `n`/`N` move between matches; `w` wraps; `#` numbers lines; `s`
  saves the whole file (by ranges, atomically, never over an existing file
  unless confirmed); `r` starts over (also after polling stopped); `j`/`k`,
  arrows, page keys and `home` move (see `LogLines`).

Memory: the tail window and the head window are `LogBuffer`s, each bounded
(MAX_CHARS characters / MAX_LINES lines); while the head is shown the tail
keeps being followed, so going back costs nothing.
"""

from __future__ import annotations

import asyncio
import codecs
import logging
import os
from collections.abc import Awaitable, Callable
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Footer, Input, ProgressBar, Static

from ...service.errors import INVALID, NOT_FOUND, OTHER, ServiceError
from ...service.localfiles import staged_file
from ...service.models import FileRef
from ...service.tail import Follower, task_finished
from ..widgets.log_lines import MAX_CHARS, MAX_LINES, FeedResult, LogBuffer, LogLines, clean_line, compile_search

__all__ = ["LogScreen", "SaveScreen", "default_save_name", "download_file"]

log = logging.getLogger(__name__)

KiB = 1024
TAIL_BYTES = 256 * KiB  # what the view starts with
HEAD_BYTES = 256 * KiB  # what `g` reads from the start of the file
SAVE_CHUNK = 4 * 1024 * KiB  # bytes in one ranged GET while saving
MAX_BACKOFF = 30.0
READ_CAP = 1024 * KiB  # bytes in one GET while following
POLL_CAP = 2048 * KiB  # bytes in one poll while following
PENDING_DELAY = 2.0  # seconds between polls while the task has not started


def _safe(text: str) -> str:
    """Text from the service (ids, paths, messages) with its control characters made inert."""
    return clean_line(text.replace("\n", " "))


def _bytes(n: int) -> str:
    return f"{n:,}"


class LogScreen(ModalScreen[None]):
    """A task's or node's file, at its tail, followed as it grows."""

    BINDINGS = [
        Binding("escape,q", "back", "Back"),
        Binding("f,end", "follow", "Follow"),
        Binding("g", "top", "Top"),
        Binding("G", "bottom", "Bottom (tail, follow)", show=False),
        Binding("slash", "search", "Search"),
        Binding("n", "next_match", "Next"),
        Binding("N", "previous_match", "Previous match", show=False),
        Binding("w", "toggle_wrap", "Wrap"),
        Binding("number_sign", "toggle_numbers", "Line no."),
        Binding("s", "save", "Save"),
        Binding("r", "reload", "Reload", show=False),
    ]

    DEFAULT_CSS = """
    LogScreen { background: $surface; layout: vertical; }
    LogScreen > #log-title { height: 1; padding: 0 1; background: $primary-background; text-style: bold; }
    LogScreen > LogLines { height: 1fr; }
    LogScreen > #log-search { display: none; height: 1; border: none; padding: 0 1; }
    LogScreen > #log-search.visible { display: block; }
    LogScreen > #log-status { height: 1; padding: 0 1; background: $panel; }
    """

    def __init__(self, service, ref: FileRef, *, follow_task: tuple[str, str] | None = None,
                 title: str | None = None, tail_bytes: int = TAIL_BYTES, head_bytes: int = HEAD_BYTES,
                 max_chars: int = MAX_CHARS, max_lines: int = MAX_LINES, min_delay: float = 1.0,
                 max_delay: float = 5.0, follower_factory: Callable[..., Follower] | None = None,
                 downloader: Callable[..., Awaitable[int]] | None = None) -> None:
        super().__init__()
        self.service = service
        self.ref = ref
        self.follower_factory = follower_factory
        self.downloader = downloader
        self.follow_task = follow_task
        self.heading = title or ref.describe()
        self.tail_bytes = tail_bytes
        self.head_bytes = head_bytes
        self._limits = {"max_chars": max_chars, "max_lines": max_lines}
        self._delays = (min_delay, max_delay)
        self.tail = LogBuffer(**self._limits)
        self.head: LogBuffer | None = None
        self.showing_head = False
        self.follower = self._new_follower()
        self.size_seen: int | None = None  # the file's size at the last poll
        self.new_lines = 0  # lines that arrived while not following
        self.task_done = False
        self.exit_code: int | None = None
        self.stopped: str | None = None  # why polling stopped (None: still polling)
        self.state = Text("opening…", style="dim")
        self.search_text = ""
        self._failures = 0
        self._timer: Timer | None = None
        self._round = 0  # bumped by reload: a poll of an older round is dropped
        self._last_status: Text | None = None

    def _new_follower(self) -> Follower:
        # Small polls: the view holds one window, so a burst far bigger than it is skipped (start_at_tail
        # again) after the first poll rather than fetched.
        options = {"min_delay": self._delays[0], "max_delay": self._delays[1], "read_cap": READ_CAP,
                   "poll_cap": POLL_CAP}
        if self.follower_factory is not None:
            follower = self.follower_factory(**options)
        else:
            follower = Follower(self.service, self.ref, **options)
        follower.start_at_tail(self.tail_bytes)
        return follower

    # -- layout --------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static(Text(_safe(self.heading)), id="log-title")
        yield LogLines(self.tail, id="log-lines")
        yield Input(id="log-search", placeholder="search: text, or re:regex (enter keeps it, esc closes)")
        yield Static("", id="log-status")
        yield Footer()

    @property
    def lines(self) -> LogLines:
        return self.query_one("#log-lines", LogLines)

    def on_mount(self) -> None:
        self.lines.focus()
        self._update_status()
        self._poll(self._round)

    def on_unmount(self) -> None:
        self._cancel_timer()

    def _alive(self) -> bool:
        return self.is_attached and self.app.is_running

    # -- polling -------------------------------------------------------------------------
    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def _schedule(self, delay: float, round_: int) -> None:
        self._cancel_timer()
        # (a zero-second Textual timer divides by zero: the next round "now" is a hundredth of a second away)
        self._timer = self.set_timer(max(0.01, delay), lambda: self._poll(round_))

    @work(exclusive=True, group="log-poll")
    async def _poll(self, round_: int) -> None:
        """One round: (is the task done?), one poll, apply it; then schedule the next round."""
        if round_ != self._round or self.stopped:
            return
        follower = self.follower
        delay: float | None = None
        try:
            done = self.task_done
            if self.follow_task and not done:
                done, code = await task_finished(self.service, *self.follow_task)
                if done:
                    self.exit_code = code
            chunk = await follower.poll()
            if round_ != self._round or not self._alive():
                return
            self._failures = 0
            self.task_done = done
            self._apply(chunk)
            delay = follower.next_delay()
            if chunk.gone:
                if done or follower.offset > 0 or self.tail.lines or self.follow_task is None:
                    self._stop(Text(f"gone: {_safe(chunk.gone)}", style="bold red"))
                else:  # a task file not created yet
                    self.state = Text(f"waiting for {_safe(self.ref.path)} to appear", style="yellow")
                    delay = min(delay, PENDING_DELAY)
            elif chunk.pending:
                if done:
                    self._stop(Text(f"task completed{self._exit_text()} without running", style="bold red"))
                else:
                    self.state = Text("waiting for the task to start", style="yellow")
                    delay = min(delay, PENDING_DELAY)
            elif done and not chunk.behind:
                rest = follower.flush()
                if rest:
                    self._feed_tail(self.tail.feed(rest))
                style = "green" if self.exit_code == 0 else "bold red"
                self._stop(Text(f"task completed{self._exit_text()}", style=style))
            elif chunk.behind:
                self.state = Text(f"catching up: {_bytes(chunk.behind)} bytes to go", style="yellow")
                if chunk.behind > self.tail.max_chars and self._tail_following():
                    follower.start_at_tail(self.tail_bytes)  # jump: the window could not hold it all anyway
            else:
                self.state = Text("running" if self.follow_task else "following the file",
                                  style="dim")
        except ServiceError as err:
            if round_ != self._round or not self._alive():
                return
            if err.kind == NOT_FOUND:
                self._stop(Text(f"gone: {_safe(self._missing(err))}", style="bold red"))
            elif err.kind == INVALID:
                self._stop(Text(f"cannot show this file: {_safe(str(err))}", style="bold red"))
            else:
                delay = self._backoff(err)
        except Exception as err:  # noqa: BLE001 - the view never takes the app down
            log.exception("log poll failed")
            if round_ != self._round or not self._alive():
                return
            delay = self._backoff(err)
        finally:
            if round_ == self._round and self._alive():
                self._update_status()
                if not self.stopped and delay is not None:
                    self._schedule(delay, round_)

    def _missing(self, err: ServiceError) -> str:
        job_id, task_id = self.follow_task or (self.ref.job_id, self.ref.task_id)
        if err.code == "TaskNotFound":
            return f"task {task_id} of job {job_id} no longer exists (deleted?)"
        if err.code == "JobNotFound":
            return f"job {job_id} no longer exists (deleted?)"
        return str(err)

    def _backoff(self, err: Exception) -> float:
        self._failures += 1
        delay = min(MAX_BACKOFF, self._delays[0] * 2 ** min(self._failures, 5))
        self.state = Text(f"⟳ retrying in {delay:.0f}s: {_safe(str(err))}", style="bold yellow")
        return delay

    def _exit_text(self) -> str:
        return f", exit {self.exit_code}" if self.exit_code is not None else ""

    def _stop(self, why: Text) -> None:
        self.stopped = why.plain
        self.state = why
        self._cancel_timer()

    def _tail_following(self) -> bool:
        return not self.showing_head and self.lines.following

    def _apply(self, chunk) -> None:
        if chunk.size or not (chunk.gone or chunk.pending):
            self.size_seen = chunk.size
        if chunk.truncated:
            self.tail.clear(chunk.offset)
            self.new_lines = 0
            self.notify(f"{_safe(self.ref.path)} was truncated or replaced: reloaded", timeout=4)
            result = self.tail.feed(chunk.text, chunk.data, chunk.offset)
            result.reset = True
            self._feed_tail(result)
        elif chunk.data or chunk.text:
            self._feed_tail(self.tail.feed(chunk.text, chunk.data, chunk.offset))

    def _feed_tail(self, result: FeedResult) -> None:
        if not self._tail_following():
            self.new_lines += result.new_lines
        if not self.showing_head:
            self.lines.fed(result)

    # -- status --------------------------------------------------------------------------
    def _update_status(self) -> None:
        if not self._alive():
            return
        buffer = self.head if self.showing_head and self.head is not None else self.tail
        size = self.size_seen
        text = Text()
        if self.showing_head:
            text.append("head ", style="bold magenta")
        elif buffer.start > 0:
            text.append("tail ", style="bold")
        if size is None:
            text.append("size unknown", style="dim")
        else:
            text.append(f"bytes {_bytes(buffer.start)}–{_bytes(buffer.end)} of {_bytes(size)}")
        lines = self.lines
        if self.showing_head:
            text.append("  G: back to the tail", style="dim")
        elif lines.following:
            text.append("  following" if not self.stopped else "  at end", style="green")
        if self.new_lines and not self._tail_following():
            text.append(f"  +{self.new_lines:,} new lines (f to follow)", style="bold yellow")
        if self.search_text:
            count = lines.match_count
            if count:
                current = lines.current_match
                more = "+" if lines.matches_capped else ""
                position = f"{current + 1}/" if current is not None else ""
                text.append(f"  /{_safe(self.search_text)}: {position}{count}{more}", style="cyan")
            else:
                text.append(f"  /{_safe(self.search_text)}: no match", style="bold red")
        flags = [name for name, on in (("wrap", lines.wrap), ("#", lines.show_numbers)) if on]
        if flags:
            text.append("  [" + " ".join(flags) + "]", style="dim")
        text.append("  ")
        text.append_text(self.state)
        if text != self._last_status:  # (no redraw, no terminal output, when nothing changed)
            self._last_status = text
            self.query_one("#log-status", Static).update(text)

    @on(LogLines.FollowChanged)
    def _follow_changed(self, event: LogLines.FollowChanged) -> None:
        if event.following and not self.showing_head:
            self.new_lines = 0
        self._update_status()

    # -- actions -------------------------------------------------------------------------
    def action_back(self) -> None:
        search = self.query_one("#log-search", Input)
        if search.has_class("visible"):
            self._close_search(keep=bool(search.value))
            return
        self.dismiss(None)

    def action_follow(self) -> None:
        if self.showing_head:
            self.showing_head = False
            self.lines.show(self.tail, follow=True)
        else:
            self.lines.follow()
        self.new_lines = 0
        self._update_status()

    def action_bottom(self) -> None:
        self.action_follow()

    def action_top(self) -> None:
        lines = self.lines
        if self.showing_head or self.tail.start == 0:
            lines.stop_following()
            lines._scroll_to_row(0, 0)
            self._update_status()
            return
        self._load_head()

    @work(exclusive=True, group="log-head")
    async def _load_head(self) -> None:
        self.state = Text("reading the head of the file…", style="dim")
        self._update_status()
        try:
            data = await self.service.read_range(self.ref, 0, max(0, self.head_bytes - 1))
        except ServiceError as err:
            if self._alive():
                self.notify(f"cannot read the head of the file: {_safe(str(err))}", severity="error")
                self.state = Text(f"head unavailable: {_safe(str(err))}", style="bold red")
                self._update_status()
            return
        if not self._alive():
            return
        data = data[: self.head_bytes]
        head = LogBuffer(**self._limits)
        head.feed(codecs.getincrementaldecoder("utf-8")(errors="replace").decode(data), data, 0)
        self.head = head
        self.showing_head = True
        lines = self.lines
        lines.show(head, follow=False)
        if not self.stopped:
            self.state = Text("running" if self.follow_task else "following the file", style="dim")
        self._update_status()

    def action_toggle_wrap(self) -> None:
        lines = self.lines
        lines.set_wrap(not lines.wrap)
        self._update_status()

    def action_toggle_numbers(self) -> None:
        lines = self.lines
        lines.set_numbers(not lines.show_numbers)
        self._update_status()

    def action_search(self) -> None:
        search = self.query_one("#log-search", Input)
        search.value = self.search_text
        search.add_class("visible")
        search.focus()

    def _close_search(self, keep: bool) -> None:
        search = self.query_one("#log-search", Input)
        search.remove_class("visible")
        if not keep:
            self.search_text = ""
            self.lines.set_search(None)
        self.lines.focus()
        self._update_status()

    @on(Input.Changed, "#log-search")
    def _search_changed(self, event: Input.Changed) -> None:
        self._set_search(event.value, jump=True)

    @on(Input.Submitted, "#log-search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        self._close_search(keep=bool(event.value))

    def _set_search(self, value: str, jump: bool) -> None:
        pattern, error = compile_search(value)
        lines = self.lines
        if error:
            self.state = Text(error, style="bold red")
            self._update_status()
            return
        self.search_text = value
        lines.set_search(pattern)
        if pattern is not None and jump:
            lines.next_match(forward=True, from_top=True)
        self._update_status()

    def action_next_match(self) -> None:
        self._move_match(True)

    def action_previous_match(self) -> None:
        self._move_match(False)

    def _move_match(self, forward: bool) -> None:
        if not self.search_text:
            self.notify("no search: press / first", severity="warning", timeout=2)
            return
        found, wrapped = self.lines.next_match(forward)
        if not found:
            self.notify(f"no match for {_safe(self.search_text)} in the loaded part", severity="warning", timeout=2)
        elif wrapped:
            self.notify("search wrapped around", timeout=1.5)
        self._update_status()

    def action_save(self) -> None:
        self.app.push_screen(SaveScreen(self.service, self.ref, default_save_name(self.ref),
                                        downloader=self.downloader), self._saved)

    def _saved(self, result: tuple[str, int] | None) -> None:
        if result is not None:
            path, size = result
            self.notify(f"saved {_bytes(size)} bytes to {_safe(path)}", timeout=6)

    def action_reload(self) -> None:
        """Start over: a new follower at the tail (also after the view stopped)."""
        self._round += 1
        self._cancel_timer()
        self.follower = self._new_follower()
        self.tail = LogBuffer(**self._limits)
        self.head = None
        self.showing_head = False
        self.new_lines = 0
        self.task_done = False
        self.exit_code = None
        self.stopped = None
        self._failures = 0
        self.state = Text("reloading…", style="dim")
        lines = self.lines
        lines.show(self.tail, follow=True)
        self._update_status()
        self._poll(self._round)


# -- saving ----------------------------------------------------------------------------------


def default_save_name(ref: FileRef) -> str:
    """`./<task or node>-<file name>` (another kind of ref, e.g. a blob: `./<its base name>`), made safe as
    one file name."""
    if isinstance(ref, FileRef):
        owner = ref.task_id if ref.job_id else ref.node_id
        name = f"{owner}-{Path(ref.path).name}"
    else:
        name = ref.path.rstrip("/").rpartition("/")[2]
    cleaned = "".join(c if c.isprintable() and c not in "/\\" else "_" for c in name)
    return os.path.join(".", cleaned.lstrip(".") or "file")


async def download_file(service, ref: FileRef, path: str, *, overwrite: bool = False,
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
    …)`, with the same contract (the bytes written; FileExistsError, ServiceError, OSError)."""

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

    def __init__(self, service, ref: FileRef, default_path: str, *,
                 downloader: Callable[..., Awaitable[int]] | None = None) -> None:
        super().__init__()
        self.service = service
        self.ref = ref
        self.downloader = downloader
        self.default_path = default_path
        self._confirmed: str | None = None
        self.busy = False

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Save the whole file"
            yield Static(Text(f"Save {_safe(self.ref.describe())} to:"))
            yield Input(self.default_path, id="save-path")
            yield Static(Text("enter saves, esc cancels", style="dim"), id="save-message")
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
            self._message(f"{_safe(path)} is a directory", "bold red")
            return
        if not os.path.isdir(os.path.dirname(path)):
            self._message(f"no such directory: {_safe(os.path.dirname(path))}", "bold red")
            return
        exists = os.path.lexists(path)
        if exists and self._confirmed != path:
            self._confirmed = path
            self._message(f"{_safe(path)} exists: press enter again to overwrite it", "bold yellow")
            return
        self._download(path, exists)

    @work(exclusive=True, group="save")
    async def _download(self, path: str, overwrite: bool) -> None:
        self.busy = True
        bar = self.query_one("#save-progress", ProgressBar)
        bar.add_class("visible")
        self._message(f"saving to {_safe(path)}…")

        def progress(done: int, total: int) -> None:
            bar.update(total=max(total, 1), progress=done if total else 1)

        try:
            if self.downloader is not None:
                size = await self.downloader(path, overwrite=overwrite, progress=progress)
            else:
                size = await download_file(self.service, self.ref, path, overwrite=overwrite, progress=progress)
        except FileExistsError:
            self._confirmed = None
            self._message(f"{_safe(path)} exists now: press enter again to overwrite it", "bold yellow")
        except (ServiceError, OSError) as err:
            self._message(f"not saved: {_safe(str(err))}", "bold red")
        else:
            self.dismiss((path, size))
            return
        finally:
            self.busy = False
        bar.remove_class("visible")

    def action_cancel(self) -> None:
        self.workers.cancel_group(self, "save")
        self.dismiss(None)
