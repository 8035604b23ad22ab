"""Models under the UI's widgets and screens: plain data and the logic on it, no Textual.

The table (under `widgets.resource_table.ResourceTable`):

- `table_row`: a table's columns and rows (`Column`, `TableRow`);
- `row_filter`: the filter language of a table (substring, `re:` regex, `!` invert);
- `table_sort`: the display order (stable sort by a column, binary insertion);
- `table`: `TableModel`, keyed rows in display order with a filter, marks, a cursor and the visible window.

The log view (under `widgets.log_lines.LogLines` and `screens.log_view.LogScreen`):

- `log_sgr`: what a colour (SGR) sequence sets: `Rendition`, the pen (colours and attributes);
- `log_line`: one line as shown (`clean_line`, `one_line`): control characters inert, colour sequences
  taken out as colour runs, and the line's inert form (colour off);
- `log_buffer`: `LogBuffer`, a bounded window of a file's lines with their byte offsets; decoding, the
  colour pen carried from line to line, colour on or off for every line held;
- `log_search`: the matches of a search in a `LogBuffer`, and the next/previous match;
- `log_layout`: wrapped rows of a `LogBuffer`'s lines (row ↔ line), and a line's styled runs (stand-ins,
  matches, colours);
- `log_follow`: what one poll of a followed file means (state, stop, wait), retry delays, the status line.

The storage browser (under `screens.storage_view.StorageScreen`):

- `blob_tree`: the entries of its tree, and where the tree goes as levels are listed.

The footer (under `widgets.key_footer.KeyFooter`):

- `key_hints`: which key hints fit in a line, by priority, each whole.

The import-linter contract "The UI's models have no Textual" (pyproject.toml) keeps Textual out; Rich
appears only where terminal cell widths are needed (`rich.cells`).
"""
