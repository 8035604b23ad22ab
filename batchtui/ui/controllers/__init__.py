"""The explorer's behaviour, one controller per concern. Each is a plain class
holding the app (`BatchApp`), which composes the widgets, owns the bindings and
hands every event and key action to one of these:

- `navigation.Navigator`: which view the table shows, drilling down and back,
  the history of views (`[` `]` `-`), the tree, and opening the log, file and
  storage screens;
- `jumps.Jumper`: `J`, from a row to a related resource (task → node,
  job → pool, node → the tasks that ran on it);
- `refresh.Refresher`: the self-scheduling refresh of the current view and how
  each fetched batch lands in the table, tree, summary and top bar;
- `details.DetailsLoader`: the details pane of the cursor's row, and its JSON;
- `prompt.Prompt`: the `:` command line and the `/` filter;
- `actions.ActionRunner`: confirmed actions on the marked rows (refused, with
  the reason, where `ui.preconditions` says they cannot work), creating from a
  file, and rerunning a job's failed tasks.

`workers.start_worker` runs a controller's coroutine in a worker of the app
(what Textual's `@work` does for a widget's method).

Controllers import widgets, views and the service layer; the app imports the
controllers, never the other way round (they name the app type only for mypy).
"""
