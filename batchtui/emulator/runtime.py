"""What the engine's parts share: the settings, the document store, storage
access, the account URL tasks see, the background coroutines (start tasks and
task runs), and the AZ_BATCH_* environment a node gives its processes."""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from . import executor, nodefs
from .isolation import SetAside
from .job_manager import token_environment
from .job_specs import prep_environment
from .settings import Settings
from .storage import Storage
from .store import Doc, Store, outside_journal

log = logging.getLogger("batchtui.emulator")

TRASH = ".trash"


def _remove_all(paths: list[Path]) -> None:
    for path in paths:
        nodefs.remove_tree(path)


class Runtime:
    def __init__(self, settings: Settings, store: Store, storage: Storage) -> None:
        self.settings = settings
        self.store = store
        self.storage = storage
        # AZ_BATCH_ACCOUNT_URL; the server sets the real one once it has bound its port.
        self.base_url = f"http://{settings.host}:{settings.port}"
        # Host header values that name this emulator (hosts.allowed_hosts); the server sets them once bound.
        self.allowed_hosts: frozenset[str] = frozenset()
        self._background: set[asyncio.Task[None]] = set()
        self._trash: Path | None = None  # this process's part of <data>/.trash (discard_tree)
        self.set_aside = SetAside()  # documents that failed while the engine handled them

    def spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        """Run `coro` on the event loop, kept until it ends or shutdown cancels it.
        Its changes are the service's own, even when a request started it. An
        exception it ends with is logged (the coroutines settle their own failures)."""
        task = asyncio.get_running_loop().create_task(coro, context=outside_journal())
        self._background.add(task)
        task.add_done_callback(self._ended)

    def _ended(self, task: asyncio.Task[None]) -> None:
        self._background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background run %s failed", task.get_coro(), exc_info=task.exception())

    async def cancel_background(self) -> None:
        for task in list(self._background):
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)

    def discard_tree(self, path: Path) -> None:
        """Remove the directory tree at `path` without blocking the event loop:
        it is moved into <data>/.trash at once (so a new tree at `path` is safe
        from then on) and deleted there by a worker thread."""
        if self._trash is None:
            self._trash = self.settings.data_dir / TRASH / secrets.token_hex(4)
        try:
            self._trash.mkdir(mode=0o700, parents=True, exist_ok=True)
            moved = self._trash / secrets.token_hex(8)
            os.rename(path, moved)
        except FileNotFoundError:
            return
        except OSError:  # e.g. on another filesystem: deleted where it is
            moved = path
        self.spawn(asyncio.to_thread(nodefs.remove_tree, moved))

    def empty_old_trash(self) -> None:
        """Delete, in a worker thread, what earlier emulators left in <data>/.trash."""
        trash = self.settings.data_dir / TRASH
        old = [trash / name for name in (os.listdir(trash) if trash.is_dir() else [])]
        old = [path for path in old if path != self._trash]
        if old:
            self.spawn(asyncio.to_thread(_remove_all, old))

    def node_root(self, node_id: str) -> Path:
        """The node's directory tree on local disk (AZ_BATCH_NODE_ROOT_DIR)."""
        return nodefs.node_root(self.settings.data_dir, node_id)

    def find_node(self, pool_id: str, node_id: str) -> Doc | None:
        return self.store.pool_nodes(pool_id).get(node_id)

    def environment(
        self,
        pool_id: str,
        node: Doc,
        job: Doc | None,
        task: Doc | None,
        task_dir: Path,
        settings: list[Doc] | None,
    ) -> dict[str, str]:
        """A process's environment on `node`: the inherited basics, Batch's
        AZ_BATCH_* variables, then the job's common settings (for a task, not a
        start task) and the task's own `settings` (environmentSettings)."""
        root = self.node_root(node["id"])
        env = executor.base_environment()
        env.update(
            AZ_BATCH_ACCOUNT_NAME=self.settings.account,
            AZ_BATCH_ACCOUNT_URL=self.base_url + "/",
            AZ_BATCH_POOL_ID=pool_id,
            AZ_BATCH_NODE_ID=node["id"],
            AZ_BATCH_NODE_IS_DEDICATED=str(node["isDedicated"]).lower(),
            AZ_BATCH_NODE_ROOT_DIR=str(root),
            AZ_BATCH_NODE_SHARED_DIR=str(root / "shared"),
            AZ_BATCH_NODE_STARTUP_DIR=str(root / "startup"),
            AZ_BATCH_TASK_DIR=str(task_dir),
            AZ_BATCH_TASK_WORKING_DIR=str(task_dir / "wd"),
            AZ_BATCH_TASK_USER="_azbatch",
            AZ_BATCH_TASK_USER_IDENTITY="PoolNonAdmin",
        )
        if job is not None and task is not None:
            env["AZ_BATCH_JOB_ID"] = job["id"]
            env["AZ_BATCH_TASK_ID"] = task["id"]
            env.update(prep_environment(job, task, root))
            env.update(token_environment(task))
            for item in job.get("commonEnvironmentSettings") or []:
                env[item["name"]] = item.get("value") or ""
        for item in settings or []:
            env[item["name"]] = item.get("value") or ""
        return env
