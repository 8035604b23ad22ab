"""`LogPollingScreen`: the log view's background work, under `LogScreen` (log_view.py).

It follows one file: a self-scheduling poll worker (one `poll()` of a `FileFollower` a round, the next
round after its `next_delay()`) feeds the new bytes to the tail window (a `LogBuffer`) and the `LogLines`
widget showing it; what each poll means (stop, wait for the task or the file, catch up, retry after a
failure) is decided by batchtui/ui/model/log_follow.py. It also keeps the status line up to date.
`LogScreen` adds the layout and the keys.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Protocol, cast

from rich.text import Text
from textual import work
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Static

from ...service.errors import INVALID, NOT_FOUND, ServiceError
from ...service.tail import Chunk, Follower, task_finished
from ..format import redact_url
from ..model.log_buffer import MAX_CHARS, MAX_LINES, FeedResult, LogBuffer, one_line
from ..model.log_follow import PENDING_DELAY, StatusLine, backoff_delay, judge_poll, missing_message
from ..model.waiting import waiting_notice
from ..widgets.log_lines import LogLines
from .save_file import FileReader, ShownFile

if TYPE_CHECKING:
    from ...service.client import BatchService

__all__ = ["HEAD_BYTES", "TAIL_BYTES", "FileFollower", "LogPollingScreen"]

log = logging.getLogger(__name__)

KiB = 1024
TAIL_BYTES = 256 * KiB  # what the view starts with
HEAD_BYTES = 256 * KiB  # what `g` reads from the start of the file
READ_CAP = 1024 * KiB  # bytes in one GET while following
POLL_CAP = 2048 * KiB  # bytes in one poll while following


class FileFollower(Protocol):
    """What polls a growing file: `service.tail.Follower`, or `service.storage.BlobFollower` for a blob."""

    offset: int

    async def poll(self) -> Chunk: ...

    def next_delay(self) -> float: ...

    def flush(self) -> str: ...

    def start_at_tail(self, max_bytes: int) -> None: ...


class LogPollingScreen(ModalScreen[None]):
    """Follows `ref` (read through `service`) into a tail window; see `LogScreen` for the options."""

    def __init__(self, service: FileReader, ref: ShownFile, *, follow_task: tuple[str, str] | None = None,
                 title: str | None = None, tail_bytes: int = TAIL_BYTES, head_bytes: int = HEAD_BYTES,
                 max_chars: int = MAX_CHARS, max_lines: int = MAX_LINES, min_delay: float = 1.0,
                 max_delay: float = 5.0, follower_factory: Callable[..., FileFollower] | None = None,
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
        self._limits = (max_chars, max_lines)
        self.colour = True  # colour sequences shown as colour (`c` turns it off: shown inert)
        self._delays = (min_delay, max_delay)
        self.size_seen: int | None = None  # the file's size at the last poll
        self.search_text = ""
        self._timer: Timer | None = None
        self._round = 0  # bumped by reload: a poll of an older round is dropped
        self._last_status: Text | None = None
        self.waiting: str | None = None  # "waiting for …: no answer for N s" while the service keeps a read waiting
        self._start_over(Text("opening…", style="dim"))

    def _start_over(self, state: Text) -> None:
        """A new follower at the tail, an empty tail window, no head; polling not stopped. Shows `state`."""
        self.tail = self.new_buffer()
        self.follower = self._new_follower()
        self.head: LogBuffer | None = None
        self.showing_head = False
        self.new_lines = 0  # lines that arrived while not following
        self.task_done = False
        self.exit_code: int | None = None
        self.stopped: str | None = None  # why polling stopped (None: still polling)
        self.state = state
        self._failures = 0

    def new_buffer(self) -> LogBuffer:
        """An empty window with the view's limits and colour setting."""
        return LogBuffer(max_chars=self._limits[0], max_lines=self._limits[1], colour=self.colour)

    async def read_head(self) -> bytes:
        """The first `head_bytes` of the file, and more when the last line they hold is long (no newline in
        their second half): on to that line's end, up to the window's line cap. Raises ServiceError."""
        head = self.head_bytes
        data = (await self.service.read_range(self.ref, 0, max(0, head - 1)))[:head]
        limit = head + self.tail.line_cap
        while len(data) >= head and data.rfind(b"\n") < len(data) // 2 and len(data) < limit:
            end = min(limit, len(data) + READ_CAP) - 1
            try:
                more = (await self.service.read_range(self.ref, len(data), end))[: end - len(data) + 1]
            except ServiceError:  # (416: the file ends here; anything else: show what was read)
                break
            data += more
            if not more or b"\n" in more:
                break
        return data

    def _new_follower(self) -> FileFollower:
        # Small polls: the view holds one window, so a burst far bigger than it is skipped (start_at_tail
        # again) after the first poll rather than fetched. A long line at the tail is read whole, as far as
        # the window keeps one line whole.
        options: dict[str, Any] = {"min_delay": self._delays[0], "max_delay": self._delays[1],
                                   "read_cap": READ_CAP, "poll_cap": POLL_CAP, "line_max": self.tail.line_cap}
        follower: FileFollower
        if self.follower_factory is not None:
            follower = self.follower_factory(**options)
        else:  # a task's or node's file, from the Batch service
            follower = Follower(cast("BatchService", self.service), cast(Any, self.ref), **options)
        follower.start_at_tail(self.tail_bytes)
        return follower

    @property
    def lines(self) -> LogLines:
        return self.query_one("#log-lines", LogLines)

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
                done, code = await task_finished(cast("BatchService", self.service), *self.follow_task)
                if done:
                    self.exit_code = code
            chunk = await follower.poll()
            if round_ != self._round or not self._alive():
                return
            self._failures = 0
            self.task_done = done
            self._apply(chunk)
            delay = follower.next_delay()
            verdict = judge_poll(chunk, done=done, exit_code=self.exit_code,
                                 started=follower.offset > 0 or bool(self.tail.lines), task=bool(self.follow_task),
                                 path=self.ref.path, window_chars=self.tail.max_chars,
                                 at_tail=self._tail_following())
            if verdict.finish:
                rest = follower.flush()
                if rest:
                    self._feed_tail(self.tail.feed(rest))
            if verdict.jump:
                follower.start_at_tail(self.tail_bytes)
            if verdict.soon:
                delay = min(delay, PENDING_DELAY)
            if verdict.stop:
                self._stop(Text(verdict.message, style=verdict.style))
            else:
                self.state = Text(verdict.message, style=verdict.style)
        except ServiceError as err:
            if round_ != self._round or not self._alive():
                return
            if err.kind == NOT_FOUND:
                job_id, task_id = self.follow_task or (getattr(self.ref, "job_id", None),
                                                       getattr(self.ref, "task_id", None))
                self._stop(Text(f"gone: {one_line(missing_message(err, job_id, task_id))}", style="bold red"))
            elif err.kind == INVALID:
                self._stop(Text(f"cannot show this file: {one_line(str(err))}", style="bold red"))
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

    def _backoff(self, err: Exception) -> float:
        self._failures += 1
        delay = backoff_delay(self._failures, self._delays[0])
        self.state = Text(f"⟳ retrying in {delay:.0f}s: {one_line(str(err))}", style="bold yellow")
        return delay

    def _stop(self, why: Text) -> None:
        self.stopped = why.plain
        self.state = why
        self._cancel_timer()

    def _tail_following(self) -> bool:
        return not self.showing_head and self.lines.following

    def _apply(self, chunk: Chunk) -> None:
        if chunk.size or not (chunk.gone or chunk.pending):
            self.size_seen = chunk.size
        if chunk.truncated:
            self.tail.clear(chunk.offset)
            self.new_lines = 0
            self.notify(f"{one_line(self.ref.path)} was truncated or replaced: reloaded", timeout=4)
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
    def show_waiting(self) -> None:
        """Say (each second: an interval of LogScreen's) how long a read has waited, once it is a few seconds."""
        waiting_for = getattr(self.service, "waiting_for", None)
        seconds = waiting_for() if waiting_for is not None and not self.stopped else None
        self.waiting = waiting_notice(redact_url(str(getattr(self.service, "endpoint", "the service"))), seconds)
        self._update_status()

    def _update_status(self) -> None:
        if not self._alive():
            return
        buffer = self.head if self.showing_head and self.head is not None else self.tail
        lines = self.lines
        search = self.search_text
        facts = StatusLine(self.showing_head, buffer.start, buffer.end, self.size_seen, lines.following,
                           bool(self.stopped), 0 if self._tail_following() else self.new_lines, search,
                           lines.match_count if search else 0, lines.current_match if search else None,
                           lines.matches_capped, lines.wrap, lines.show_numbers, self.colour,
                           lines.column_range(),
                           (self.waiting, "bold yellow") if self.waiting else (self.state.plain, str(self.state.style)))
        text = Text()
        for piece, style in facts.pieces():
            text.append(piece, style=style)
        if text != self._last_status:  # (no redraw, no terminal output, when nothing changed)
            self._last_status = text
            self.query_one("#log-status", Static).update(text)
