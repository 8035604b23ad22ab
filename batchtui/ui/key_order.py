"""Keys take effect in the order they were typed, even when they come faster than the app handles them.

Textual forwards each key to the focused widget's message queue and runs the key's binding only once the
key has bubbled back up to the app, against the focus *of that moment*. When a burst of keys arrives at
once (a fast typist, a paste of keys, tmux send-keys, a script over ssh), the focus can change between the
two: `:` opens the prompt while the keys typed after it already sit in the table's queue (`t` then offers
to terminate a job), or an Esc typed just before `:` closes the prompt it opened.

So on the explorer's own screen the app runs a key's binding as soon as it takes the key from its queue
(`run_binding_now`), against the focus then, before the next key: what each key does follows from the keys
before it. Only a text field gets its keys the usual way (it must see printable keys before any binding);
the prompt's field handles each of them itself, in order (`widgets.prompt_line`).
"""

from __future__ import annotations

from typing import Any

from textual.app import App

__all__ = ["run_binding_now"]


async def run_binding_now(app: App[Any], key: str) -> bool:
    """Run `key`'s binding now along the focus chain (priority bindings first, then from the focused widget
    up to the app, as Textual would once the key had bubbled up). True if a binding ran."""
    # App._check_bindings is Textual's own lookup (BINDINGS, check_action, the modal chain); only its timing
    # differs from Textual's default.
    return await app._check_bindings(key, priority=True) or await app._check_bindings(key)
