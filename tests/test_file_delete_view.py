"""`d` in the file browser deletes a task's file (Batch's DELETE …/files/{path}) after a confirmation;
a read-only account refuses it."""

from __future__ import annotations

from azure.core.exceptions import ResourceNotFoundError
from conftest import add_task, make_job, make_pool, wait_task
from screen_probe import line_with
from textual.app import App
from textual.widgets import Tree
from ui_helpers import service_for, until

from batchtui.ui.screens.confirm import ConfirmScreen
from batchtui.ui.screens.file_browser import FileBrowserScreen


class Host(App):
    def __init__(self, emulator, **options) -> None:
        super().__init__()
        self.emulator = emulator
        self.options = options
        self.service = None
        self.notes: list[str] = []

    def on_mount(self) -> None:
        self.service = service_for(self.emulator)
        self.push_screen(FileBrowserScreen(self.service, **self.options))

    def notify(self, message, *args, **kwargs) -> None:
        self.notes.append(str(message))
        super().notify(message, *args, **kwargs)

    async def on_unmount(self) -> None:
        if self.service is not None:
            await self.service.close()


async def browser_on(pilot, name: str) -> FileBrowserScreen:
    app = pilot.app
    screen = await until(pilot, lambda: isinstance(app.screen, FileBrowserScreen) and app.screen, what="browser")
    tree = screen.query_one(Tree)
    node = await until(pilot, lambda: next((n for n in tree.root.children if str(n.label).startswith(name)), None),
                       what=name)
    tree.move_cursor(node)
    await pilot.pause()
    return screen


async def test_d_deletes_a_task_file_after_confirming(emulator, client) -> None:
    job_id = make_job(client, make_pool(client, nodes=1))
    add_task(client, job_id, "t", "/bin/sh -c 'echo out; echo err >&2'")
    wait_task(client, job_id, "t")
    app = Host(emulator, job_id=job_id, task_id="t")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await browser_on(pilot, "stderr.txt")
        await pilot.press("d")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the confirmation")
        assert "Delete stderr.txt of task t" in line_with(app, "Delete stderr.txt")
        await pilot.press("escape")  # cancelled: still there
        assert app.screen is screen
        client.get_task_file_properties(job_id, "t", "stderr.txt")
        await pilot.press("d")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the confirmation")
        await pilot.press("y")
        await until(pilot, lambda: "deleted stderr.txt" in app.notes, what="the delete")
        tree = screen.query_one(Tree)
        await until(pilot, lambda: [str(n.label).split()[0] for n in tree.root.children] == ["wd/", "stdout.txt"],
                    what="the listing without it")
    try:
        client.get_task_file_properties(job_id, "t", "stderr.txt")
        raise AssertionError("stderr.txt is still there")
    except ResourceNotFoundError:
        pass


async def test_a_read_only_account_refuses_deleting_files(emulator, client) -> None:
    job_id = make_job(client, make_pool(client, nodes=1))
    add_task(client, job_id, "t", "/bin/sh -c 'echo out'")
    wait_task(client, job_id, "t")
    app = Host(emulator, job_id=job_id, task_id="t", read_only=True, why_read_only="read-only mode")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await browser_on(pilot, "stdout.txt")
        await pilot.press("d")
        await pilot.pause()
        assert app.screen is screen and app.notes[-1] == "delete: not here (read-only mode)"
    client.get_task_file_properties(job_id, "t", "stdout.txt")
