"""`ViewTitle`: the line above the table, saying what it shows: the view, its server `$filter`, the local
filter typed at `/`, and how many rows are marked (and how many of those the filter hides).

Every part is plain text (`rich.text.Text`), never markup: ids and filters may hold `[/x]`. A title too
long for one line takes two (a long filter is not cut), then ends with "…". It is repainted only when its
text changes.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from ...textsafe import inert

__all__ = ["ViewTitle", "title_text"]


def title_text(title: str, server_filter: str = "", local_filter: str = "", marked: int = 0,
               hidden: int = 0) -> Text:
    """The title: `title`, then each part that applies: `/filter`, `$odata`, "N marked"."""
    text = Text(title, style="bold", end="")
    if local_filter:
        text.append("  ")
        text.append(f"/{inert(local_filter)}", style="bold cyan")
    if server_filter:
        text.append("  ")
        text.append(f"${inert(server_filter)}", style="bold yellow")
    if marked:
        text.append(f"  {marked} marked", style="bold magenta")
        if hidden:
            text.append(f" ({hidden} hidden by the filter)", style="magenta")
    return text


class ViewTitle(Static):
    """The title line; `show_view` when the view changes, `set_filter` and `set_marks` as they change."""

    DEFAULT_CSS = """
    ViewTitle { height: auto; max-height: 2; text-overflow: ellipsis; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self._parts: tuple[str, str, str, int, int] = ("", "", "", 0, 0)

    @property
    def plain(self) -> str:
        """The line as shown, without styles."""
        return title_text(*self._parts).plain

    def show_view(self, title: str, server_filter: str | None = None) -> None:
        """A new view: its title and $filter; no local filter, no marks."""
        self._set((title, server_filter or "", "", 0, 0))

    def set_filter(self, local_filter: str) -> None:
        title, server, _, marked, hidden = self._parts
        self._set((title, server, local_filter, marked, hidden))

    def set_marks(self, marked: int, hidden: int = 0) -> None:
        title, server, local, _, _ = self._parts
        self._set((title, server, local, marked, hidden))

    def _set(self, parts: tuple[str, str, str, int, int]) -> None:
        if parts != self._parts:
            self._parts = parts
            self.update(title_text(*parts))
