"""`%` (or `:histogram [JOB]`): how a job's completed tasks ended and how long they ran, as text bars.

Two histograms over the job's completed tasks (listed page by page with a $filter, the bars redrawn as
pages arrive): one bar per exit code (with its $filter, e.g. `executionInfo/exitCode eq 3`), and the
durations in bins (`model.histogram`: even bins, or bins growing 1-2-5 when a long tail would squash them),
headed by p50, p95 and max. `enter` on a bar closes the view and filters the tasks table to it: an exit
code by its server $filter, a duration bin (or "no exit code") to exactly its tasks. `!` shows the job's
failure clusters; `r` lists again.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ...service.errors import ServiceError
from ...textsafe import inert
from ...wording import plural
from ..model.histogram import (
    Bar,
    bar_line,
    duration_bars,
    durations_of,
    exit_code_bars,
    exit_codes_of,
    seconds_text,
    shares,
    spread,
)
from ..model.table_request import ShowTasks, SwitchView
from ..widgets.key_footer import KeyFooter

if TYPE_CHECKING:
    from ...service.client import BatchService

__all__ = ["COMPLETED_FILTER", "HistogramScreen"]

COMPLETED_FILTER = "state eq 'completed'"
EXIT_STYLES = {"exit 0": "green"}
MAX_WIDTH = 100  # cells a bar's line takes at most (label, bar, count and share)
REDRAW_SECONDS = 0.25  # the bars are redrawn at most this often while pages arrive


class HistogramScreen(ModalScreen[ShowTasks | SwitchView | None]):
    """Exit codes and durations of `job_id`'s completed tasks; dismissed with the tasks table's filter to a
    bar (`ShowTasks`), `SwitchView` to the failure clusters, or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "back", "Back"),
        Binding("enter", "filter", "Filter tasks", priority=True),
        Binding("exclamation_mark", "failures", "Failures"),
        Binding("r", "reload", "List again"),
        Binding("j", "cursor('down')", show=False),
        Binding("k", "cursor('up')", show=False),
    ]
    DEFAULT_CSS = """
    HistogramScreen { background: $surface; layout: vertical; }
    HistogramScreen > #histograms-title { height: 1; padding: 0 1; background: $primary-background; text-style: bold; }
    HistogramScreen > #histograms-progress { height: 1; padding: 0 1; }
    HistogramScreen > #bars { height: 1fr; border: none; padding: 0 1; }
    HistogramScreen > #bars > .option-list--option-disabled { color: $text; text-style: bold; }
    """

    def __init__(self, service: BatchService, job_id: str) -> None:
        super().__init__()
        self.service = service
        self.job_id = job_id
        self.exit_codes: dict[str, int | None] = {}  # task id → exit code, of the completed tasks listed
        self.seconds: dict[str, float] = {}  # task id → how long it ran, of those with a start and an end
        self.done = False
        self.problem: str | None = None
        self.bars: dict[str, Bar] = {}  # option id → its bar

    def compose(self) -> ComposeResult:
        yield Static(Text(f"Exit codes and durations of job {inert(self.job_id)}"), id="histograms-title",
                     markup=False)
        yield Static(Text("listing the completed tasks…", style="yellow"), id="histograms-progress", markup=False)
        yield OptionList(id="bars")
        yield KeyFooter()

    @property
    def bar_list(self) -> OptionList:
        return self.query_one("#bars", OptionList)

    def on_mount(self) -> None:
        self.bar_list.focus()
        self.gather()

    def on_resize(self) -> None:
        self._draw()

    @work(exclusive=True, group="histograms")
    async def gather(self) -> None:
        """List the job's completed tasks page by page (keeping only each one's exit code and duration),
        redrawing the bars as pages arrive (at most every REDRAW_SECONDS, and at most a fifth of the time)."""
        self.exit_codes, self.seconds, self.done, self.problem = {}, {}, False, None
        due = time.monotonic()
        try:
            async for page in self.service.task_pages(self.job_id, COMPLETED_FILTER):
                self.exit_codes.update(exit_codes_of(page))
                self.seconds.update(durations_of(page))
                if time.monotonic() >= due:
                    began = time.monotonic()
                    self._draw()
                    due = time.monotonic() + max(REDRAW_SECONDS, 4 * (time.monotonic() - began))
        except ServiceError as error:
            self.problem = str(error)
        self.done = True
        self._draw()

    def _progress(self) -> Text:
        count = len(self.exit_codes)
        if self.problem is not None:
            return Text(f"cannot list the completed tasks: {inert(self.problem)}", style="bold red")
        if not self.done:
            return Text(f"listing the completed tasks… {count:,} so far", style="yellow")
        if not count:
            return Text("no completed task yet")
        return Text(f"{count:,} completed task{'' if count == 1 else 's'} · enter filters the tasks table to a bar")

    def _draw(self) -> None:
        if not self.is_attached:
            return
        self.query_one("#histograms-progress", Static).update(self._progress())
        listing = self.bar_list
        before = listing.highlighted_option.id if listing.highlighted_option is not None else None
        seconds = self.seconds
        sections = [("exit", f"Exit codes of {plural(len(self.exit_codes), 'task')}", exit_code_bars(self.exit_codes)),
                    ("time", self._duration_heading(seconds), duration_bars(seconds))]
        width = min(MAX_WIDTH, max(30, listing.content_region.width or self.app.size.width - 2))
        label_width = max((len(bar.label) for _, _, bars in sections for bar in bars), default=4)
        options: list[Option | None] = []
        self.bars = {}
        for key, heading, bars in sections:
            if not bars:
                continue
            if options:
                options.append(None)  # a separator line
            options.append(Option(Text(heading, style="bold"), id=f"{key}-heading", disabled=True))
            most = max(bar.count for bar in bars)
            total = sum(bar.count for bar in bars)
            for index, (bar, share) in enumerate(zip(bars, shares([bar.count for bar in bars]), strict=True)):
                option_id = f"{key}-{index}"
                self.bars[option_id] = bar
                label, drawn, tail = bar_line(bar, most, total, width, label_width, share)
                style = EXIT_STYLES.get(bar.label, "red") if key == "exit" else "cyan"
                options.append(Option(Text.assemble(label, (drawn, style), tail), id=option_id))
        listing.set_options(options)
        ids = [option.id for option in options if option is not None]  # (separators have no index)
        if before in ids:
            listing.highlighted = ids.index(before)
        elif self.bars:
            listing.highlighted = ids.index(next(iter(self.bars)))

    def _duration_heading(self, seconds: dict[str, float]) -> str:
        found = spread(seconds.values())
        if found is None:
            return "Durations"
        return (f"Durations of {plural(found.count, 'task')}:  p50 {seconds_text(found.p50)}"
                f"  p95 {seconds_text(found.p95)}  max {seconds_text(found.most)}")

    def action_filter(self) -> None:
        option = self.bar_list.highlighted_option
        bar = self.bars.get(option.id or "") if option is not None else None
        if bar is None:
            return
        self.dismiss(ShowTasks(self.job_id, bar.name, task_ids=() if bar.odata else bar.task_ids, odata=bar.odata))

    def action_failures(self) -> None:
        self.dismiss(SwitchView(self.job_id, "failures"))

    def action_reload(self) -> None:
        self.gather()

    def action_cursor(self, direction: str) -> None:
        listing = self.bar_list
        listing.action_cursor_down() if direction == "down" else listing.action_cursor_up()

    def action_back(self) -> None:
        self.dismiss(None)
