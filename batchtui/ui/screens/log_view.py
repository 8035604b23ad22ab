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
  options min_delay, max_delay, read_cap, poll_cap and line_max; it returns an object with the `FileFollower`
  interface), a `service` whose `read_range(ref, start, end)` reads the file (for `g`), a `ref` with
  `path` and `describe()`, and a `downloader` for `s` (see SaveScreen) — the storage browser shows a
  blob so;
- `/` searches (as you type; `re:` for a regular expression) within the loaded
  window, the text as shown (colour sequences are not part of it), `n`/`N` move between matches;
  `w` wraps; `#` numbers lines; `c` turns colour off (colour sequences then show inert, as every
  other control sequence always does) and on; `s` saves the whole file (`SaveScreen`,
  screens/save_file.py); `r` starts over (also after polling stopped); `?` lists the keys
  (`LogHelpScreen`, screens/log_help.py); `j`/`k`, arrows, page keys and `home` move, `←`/`→` scroll
  sideways (shift: a page; `0`/`$`: the start, the end of the longest line on screen) (see `LogLines`);
- a long line is read whole (as far as a window keeps one line whole, `LogBuffer.line_cap`), also at
  the tail and the head;

What a poll means (stop, wait, catch up) and what the status line says are worked out in
batchtui/ui/model/log_follow.py; this screen applies them.

Memory: the tail window and the head window are `LogBuffer`s, each bounded
(MAX_CHARS characters / MAX_LINES lines); while the head is shown the tail
keeps being followed, so going back costs nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Input, Static

from ...service.errors import ServiceError
from ..model.log_buffer import one_line
from ..model.log_follow import following_verdict
from ..model.log_search import compile_search
from ..widgets.key_footer import KeyFooter
from ..widgets.log_lines import LogLines
from .log_help import LogHelpScreen
from .log_polling import HEAD_BYTES, TAIL_BYTES, FileFollower, LogPollingScreen
from .save_file import SaveScreen, default_save_name, download_file

__all__ = ["HEAD_BYTES", "TAIL_BYTES", "FileFollower", "LogScreen", "LogTarget", "SaveScreen", "default_save_name",
           "download_file"]

GOTO_CONTEXT = 16 * 1024  # bytes read before a line the view opens at, when that line is not in the tail


@dataclass(frozen=True)
class LogTarget:
    """A line to open the log view at: the byte offset of its start in the file, the search to set there
    (text or re:regex, as `/` takes it), and its line number in the file when known."""

    offset: int
    search: str = ""
    number: int | None = None


class LogScreen(LogPollingScreen):
    """A task's or node's file, at its tail, followed as it grows.

    `LogScreen(service, ref, follow_task=…, title=…, tail_bytes=…, head_bytes=…, max_chars=…, max_lines=…,
    min_delay=…, max_delay=…, follower_factory=…, downloader=…)`: see the module notes; the window limits
    are `LogBuffer`'s, the delays the follower's."""

    # In the footer: what a newcomer needs first, and `?` for the rest (it fits in 80 columns).
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "back", "Back"),
        Binding("f,end", "follow", "Follow"),
        Binding("g", "top", "Top", show=False),
        Binding("G", "bottom", "Bottom (tail, follow)", show=False),
        Binding("slash", "search", "Search"),
        Binding("n", "next_match", "Next"),
        Binding("N", "previous_match", "Previous match", show=False),
        Binding("w", "toggle_wrap", "Wrap"),
        Binding("c", "toggle_colour", "Colour"),
        Binding("number_sign", "toggle_numbers", "Line no.", show=False),
        Binding("s", "save", "Save"),
        Binding("r", "reload", "Reload", show=False),
        Binding("question_mark", "help", "Help"),
    ]

    DEFAULT_CSS = """
    LogScreen { background: $surface; layout: vertical; }
    LogScreen > #log-title { height: 1; padding: 0 1; background: $primary-background; text-style: bold; }
    LogScreen > LogLines { height: 1fr; }
    LogScreen > #log-search { display: none; height: 1; border: none; padding: 0 1; }
    LogScreen > #log-search.visible { display: block; }
    LogScreen > #log-status { height: 1; padding: 0 1; background: $panel; }
    """

    def __init__(self, *args: Any, goto: LogTarget | None = None, **kwargs: Any) -> None:
        """See LogPollingScreen for the arguments; `goto`: open at that line (once it is loaded) rather than
        following the end, its search set."""
        super().__init__(*args, **kwargs)
        self.goto = goto  # the line to go to, until the view went there

    # -- layout --------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static(Text(one_line(self.heading)), id="log-title", markup=False)
        yield LogLines(self.tail, id="log-lines")
        yield Input(id="log-search", placeholder="search: text, or re:regex (enter keeps it, esc closes)")
        yield Static("", id="log-status", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.lines.focus()
        if self.goto is not None and self.goto.search:
            self._set_search(self.goto.search, jump=False)
        self._update_status()
        self.set_interval(1.0, self.show_waiting)  # (writes nothing while nothing changes)
        self._poll(self._round)

    def on_unmount(self) -> None:
        self._cancel_timer()

    @on(LogLines.FollowChanged)
    def _follow_changed(self, event: LogLines.FollowChanged) -> None:
        if event.following and not self.showing_head:
            self.new_lines = 0
        self._update_status()

    @on(LogLines.ColumnChanged)
    def _column_changed(self, event: LogLines.ColumnChanged) -> None:
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

    def after_poll(self) -> None:
        """Go to the `goto` line once the tail holds it; one before the tail is read where it is."""
        target = self.goto
        if target is None or self.showing_head:
            return
        index = self.tail.index_at(target.offset)
        if index is not None or target.offset < self.tail.start or self.stopped:
            self.goto = None
        if index is not None:
            self.lines.reveal_line(index)
        elif target.offset < self.tail.start:
            self._load_head(target)
        elif self.stopped:
            self.notify("that line is no longer in the file", severity="warning", timeout=4)

    def action_top(self) -> None:
        lines = self.lines
        head = self.head
        if (head is not None and head.start == 0 and self.showing_head) or (not self.showing_head
                                                                              and self.tail.start == 0):
            lines.stop_following()
            lines._scroll_to_row(0, 0)
            self._update_status()
            return
        self._load_head()

    @work(exclusive=True, group="log-head")
    async def _load_head(self, target: LogTarget | None = None) -> None:
        """Show the head of the file, or (`target`) the part of it that holds that line, at that line."""
        start = 0 if target is None else max(0, target.offset - GOTO_CONTEXT)
        before = self.state
        reading = self.state = Text("reading the head of the file…" if target is None else "reading…", style="dim")
        self._update_status()
        try:
            data = await self.read_head(start)
        except ServiceError as err:
            if self._alive():
                self.notify(f"cannot read the head of the file: {one_line(str(err))}", severity="error")
                self.state = Text(f"head unavailable: {one_line(str(err))}", style="bold red")
                self._update_status()
            return
        if not self._alive():
            return
        head = self.new_buffer()
        if target is not None and start > 0:  # begin at a line's start: after the first newline before it
            skip = data.find(b"\n", 0, target.offset - start) + 1 or target.offset - start
            data, start = data[skip:], start + skip
        head.feed_bytes(data, start)
        if target is not None and target.number is not None:
            head.first_number = target.number - data.count(b"\n", 0, target.offset - start)
        self.head = head
        self.showing_head = True
        lines = self.lines
        lines.show(head, follow=False)
        index = head.index_at(target.offset) if target is not None else None
        if index is not None:
            lines.reveal_line(index)
        if not self.stopped:
            verdict = following_verdict(bool(self.follow_task))
            self.state = Text(verdict.message, style=verdict.style)
        elif self.state is reading:  # (stopped before: say again why)
            self.state = before
        self._update_status()

    def action_toggle_wrap(self) -> None:
        lines = self.lines
        lines.set_wrap(not lines.wrap)
        self._update_status()

    def action_toggle_colour(self) -> None:
        """Colour sequences in the file shown as colour, or inert as every other control sequence."""
        self.colour = not self.colour
        changed = self.tail.set_colour(self.colour)
        if self.head is not None:
            changed = self.head.set_colour(self.colour) or changed
        if changed:
            self.lines.reshaped()
        self._update_status()

    def action_help(self) -> None:
        self.app.push_screen(LogHelpScreen(self))

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
            self.notify(f"no match for {one_line(self.search_text)} in the loaded part", severity="warning",
                        timeout=2)
        elif wrapped:
            self.notify("search wrapped around", timeout=1.5)
        self._update_status()

    def action_save(self) -> None:
        self.app.push_screen(SaveScreen(self.service, self.ref, default_save_name(self.ref),
                                        downloader=self.downloader), self._saved)

    def _saved(self, result: tuple[str, int] | None) -> None:
        if result is not None:
            path, size = result
            self.notify(f"saved {size:,} bytes to {one_line(path)}", timeout=6)

    def action_reload(self) -> None:
        """Start over: a new follower at the tail (also after the view stopped)."""
        self._round += 1
        self._cancel_timer()
        self._start_over(Text("reloading…", style="dim"))
        self.lines.show(self.tail, follow=True)
        self._update_status()
        self._poll(self._round)
