"""`Later`: an app's controller made (and its module imported) when it is first used.

The failure triage and the $EDITOR controllers pull in their screens, the tail cache and the create bodies:
some 70 ms of imports that the first screen does not need (`bench/startup.py`, `-X importtime`). The app
declares them as `Later` attributes; the first read imports the module, makes the controller with the app
and keeps it on the app (later reads are plain attribute reads).
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["Later"]


class Later:
    """A class attribute: the controller `name` of module `module` (relative to this package), made with the
    app on first read and then kept on the instance."""

    def __init__(self, module: str, name: str) -> None:
        self.module = module
        self.name = name
        self.attribute = name

    def __set_name__(self, owner: type, attribute: str) -> None:
        self.attribute = attribute

    def __get__(self, app: Any, owner: type | None = None) -> Any:
        if app is None:
            return self
        controller = getattr(importlib.import_module(self.module, __package__), self.name)(app)
        app.__dict__[self.attribute] = controller  # (a plain attribute from now on: it hides this descriptor)
        return controller
