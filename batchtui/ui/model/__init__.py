"""Models under the UI's widgets: plain data and the logic on it, no Textual.

- `table_row`: a table's columns and rows (`Column`, `TableRow`).
- `row_filter`: the filter language of a table (substring, `re:` regex, `!` invert).
- `table`: `TableModel`, keyed rows in display order: sort, filter, marks, cursor.
- `log_buffer`: `LogBuffer`, a bounded window of a file's lines with their byte offsets; decoding and
  making control characters inert (`clean_line`).
- `log_search`: matches of a search in a `LogBuffer`, and the next/previous match.
- `log_wrap`: wrapped rows of a `LogBuffer`'s lines (row ↔ line), and a line's styled runs.
- `log_follow`: what one poll of a followed file means for the log view (state, stop, delay).
- `blob_tree`: the entries of the storage browser's tree and the way down to a prefix.

The import-linter contract "The UI's models have no Textual" (pyproject.toml) keeps Textual out; Rich
appears only where terminal cell widths are needed (`rich.cells`).
"""
