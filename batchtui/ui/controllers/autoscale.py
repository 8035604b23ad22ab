"""Opening the autoscale editor: `A` on a pool of the pools view, or `:autoscale [POOL]` (the cursor's
pool when none is named). The pool's document is fetched first (its formula, interval and last
evaluation fill the editor); read-only mode says so instead. Closing the editor after a change
refreshes the explorer. A formula edited and not applied is kept per pool for the session: the
editor opens on it again, saying it is a draft."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...service.autoscale import AutoScaleSettings
from ...service.errors import ServiceError
from ..model.autoscale_draft import AutoScaleDraft
from ..views import POOLS
from .workers import start_worker

if TYPE_CHECKING:
    from ..app import BatchApp


class AutoScaleOpener:
    def __init__(self, app: BatchApp) -> None:
        self.app = app
        self.drafts: dict[tuple[str, str], AutoScaleDraft] = {}  # (account, pool id) → a draft not applied

    def open(self, pool_id: str = "") -> None:
        """The editor for `pool_id` (else the cursor row's, in the pools view)."""
        app = self.app
        if app.actions.read_only_here():
            app.actions.say_read_only("A", "edit the pool's autoscale")
            return
        if not pool_id:
            pool_id = (app.table.cursor_key or "") if app.view.kind == POOLS else ""
        if not pool_id:
            app.notify("no pool selected: open the pools view (:pools) or name one (:autoscale POOL)",
                       severity="warning", timeout=4)
            return
        start_worker(app, self._fetch_then_open, app.view.account, pool_id, group="actions")

    async def _fetch_then_open(self, account: str, pool_id: str) -> None:
        from ..screens.autoscale_editor import AutoScaleEditor

        app = self.app
        service = app.services[account]
        try:
            pool = await service.get_pool(pool_id)
        except ServiceError as error:
            app.notify(f"pool {pool_id}: {error}", severity="error", markup=False)
            return
        if not app.ui_alive():
            return
        draft = AutoScaleDraft.for_pool(pool_id, AutoScaleSettings.from_pool(pool))
        key = (account, pool_id)
        if key in self.drafts:
            draft.keep_from(self.drafts[key])

        def closed(changed: bool | None) -> None:
            if draft.edited:
                self.drafts[key] = draft
                app.notify(f"pool {pool_id}: the formula edited is kept as a draft, not applied (A reopens it)",
                           timeout=5, markup=False)
            else:
                self.drafts.pop(key, None)
            if changed:
                app.refresher.refresh_now()
                app.details.reload()

        app.push_screen(AutoScaleEditor(service, draft), closed)
