"""No text from a user, a file or the service is ever markup, and no control character reaches the terminal
(issue 12 item 8; DESIGN §7 "No foreign text is markup").

Brackets and control characters are fed through every place a string reaches the screen: what is typed at
`:` and `/`, account names and endpoints, the service's error messages, a task's command line, environment,
display name and files, a job's metadata, file paths, toasts, dialogs, the tree, the title, the details
pane, the JSON view and the command palette. Each must show literally, and the app must keep running.
"""

from __future__ import annotations

import json

import pytest
from aiohttp import web
from azure.batch import models as m
from azure.core.credentials import AzureNamedKeyCredential
from conftest import make_job, make_pool, wait_task
from textual.widgets import Static, Tree
from ui_helpers import account_for, service_for, until
from ui_screen import screen_ansi, screen_text, toast_texts

from batchtui.account import AUTH_SHARED_KEY, Account
from batchtui.service.client import BatchService
from batchtui.ui.app import BatchApp
from batchtui.ui.screens.confirm import ConfirmScreen
from batchtui.ui.views import JOBS, TASKS, ViewKey
from batchtui.ui.widgets.details import DetailsPane
from batchtui.ui.widgets.nav_tree import NavTree
from batchtui.ui.widgets.resource_table import ResourceTable

ESC = "\x1b"
BOOM = "it went [/boom] [bold]loud[/bold] \x1b]0;pwned\x07"


@pytest.fixture
async def boom_endpoint():
    """A Batch endpoint that answers every request with an error whose message holds brackets and an OSC."""

    async def answer(request: web.Request) -> web.Response:
        body = {"odata.metadata": "x", "code": "Boom[/code]", "message": {"lang": "en-US", "value": BOOM}}
        return web.Response(status=409, body=json.dumps(body), content_type="application/json")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", answer)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


@pytest.fixture(scope="module")
def bracketed(client):
    """A job whose metadata, display name and task hold brackets and control characters."""
    pool_id = make_pool(client, nodes=1)
    job_id = make_job(client, pool_id, display_name="[/job] nightly",
                      metadata=[m.BatchMetadataItem(name="[/m]", value="[red]v[/red]")])
    client.create_task(job_id, m.BatchTaskCreateOptions(
        id="brackets", display_name="[/display]",
        command_line="/bin/sh -c 'echo \"[/out]\"; echo x > \"[red]w.txt\"; exit 3'",
        environment_settings=[m.EnvironmentSetting(name="WHERE", value="[/env] \x1b[31mred")]))
    wait_task(client, job_id, "brackets")
    return pool_id, job_id


def _accounts(emulator, boom: str):
    emu = account_for(emulator)
    boom_account = Account(name="boom", endpoint=boom, account_name=emulator.account, auth=AUTH_SHARED_KEY,
                           key_env="BATCHTUI_TEST_KEY", source="demo")
    lab = Account(name="lab[/x]", endpoint="https://lab[/e].example/\x1b[2J", account_name="lab",
                  auth=AUTH_SHARED_KEY, key_env="LAB_[/KEY]", source="demo")
    services = {
        "emu": service_for(emulator),
        "boom": BatchService(boom, AzureNamedKeyCredential(emulator.account, emulator.key), retries=0),
    }
    problems = {"lab[/x]": "environment variable LAB_[/KEY] is not set \x1b]0;t\x07"}
    return [emu, boom_account, lab], services, problems


def toasted(app, text: str) -> bool:
    return any(text in toast for toast in toast_texts(app))


def _clean(text: str) -> None:
    assert ESC not in text and "\x07" not in text and "\x9b" not in text


async def test_brackets_and_controls_show_literally_everywhere(emulator, bracketed, boom_endpoint, tmp_path):
    pool_id, job_id = bracketed
    accounts, services, problems = _accounts(emulator, boom_endpoint)
    app = BatchApp(accounts, services, refresh_seconds=1.0, problems=problems)
    async with app.run_test(size=(160, 50), notifications=True) as pilot:
        table = app.query_one(ResourceTable)
        await until(pilot, lambda: job_id in table.visible_keys, what="jobs listed")

        # An account whose key is missing: its name in the tree, its problem as a toast.
        await until(pilot, lambda: toasted(app, "lab[/x]: environment variable LAB_[/KEY] is not set ^[]0;t^G"),
                    what="the account's problem")
        assert "lab[/x]" in screen_text(app)
        _clean(screen_text(app))
        # Said once, and in the tree where its lists would be (not a "loading…" that never ends).
        assert sum("lab[/x]: environment variable" in toast for toast in toast_texts(app)) == 1
        tree = app.query_one(NavTree)
        lab = next(node for node in tree.root.children if node.data and node.data.account == "lab[/x]")
        assert [str(child.label) for child in lab.children] == [
            "⚠ environment variable LAB_[/KEY] is not set ^[]0;t^G"]
        # Below the session's other pools when the shared emulator holds many: scrolled to, as a user would.
        tree.scroll_to_node(lab.children[0], animate=False)
        await until(pilot, lambda: "⚠ environment variable" in screen_text(app), what="the problem in the tree")

        # The command palette lists the accounts (Textual reads its titles as markup).
        await pilot.press("ctrl+p")
        await until(pilot, lambda: "Account lab[/x]" in screen_text(app), what="the palette")
        await pilot.press("escape")

        # Typed commands: an unknown account, a job that does not exist (said at the prompt, as typed).
        await pilot.press("colon", *"acct [/x]", "enter")
        await until(pilot, lambda: "no account named [/x]" in screen_text(app), what=":acct [/x]")
        await pilot.press("ctrl+u", *"tasks [/x]", "enter")
        await until(pilot, lambda: "no job named [/x]" in screen_text(app), what=":tasks [/x]")
        assert ": tasks [/x]" in screen_text(app)
        await pilot.press("escape")

        # A real job: the $filter typed, the task's strings in the details pane.
        app.show_view(ViewKey("emu", TASKS, job_id))
        await until(pilot, lambda: table.total_count == 1, what="the task")
        await pilot.press("slash", *"$id eq '[/bad]'", "enter")
        await until(pilot, lambda: "$id eq '[/bad]'" in screen_text(app), what="the $filter in the title")
        app.refresher.clear_server_filter(app.view)
        app.show_view(app.view)
        await until(pilot, lambda: table.total_count == 1, what="the task again")
        await until(pilot, lambda: "echo \"[/out]\"; echo x > \"[red]w.txt\"" in screen_text(app),
                    what="the details pane")
        app.query_one(DetailsPane).scroll_end(animate=False)
        await until(pilot, lambda: "WHERE=[/env] ^[[31mred" in screen_text(app), what="the environment")
        _clean(screen_text(app))

        # A local filter that is not a valid regex: its error, literally (at the prompt).
        await pilot.press("slash", *"re:[/x", "enter")
        await until(pilot, lambda: "Invalid regex '[/x'" in screen_text(app), what="the regex's error")
        await pilot.press("escape")

        # The JSON view: display name and environment.
        await pilot.press("y")
        await until(pilot, lambda: "[/display]" in screen_text(app), what="the JSON view")
        _clean(screen_text(app))
        await pilot.press("escape")

        # The task's files: a file name with brackets.
        await pilot.press("b")
        await until(pilot, lambda: "wd/" in screen_text(app), what="the file browser")
        app.screen.query_one("#files-tree", Tree).root.children[0].expand()  # wd/
        await until(pilot, lambda: "[red]w.txt" in screen_text(app), what="the file's name")
        await pilot.press("escape")

        # A dialog's message.
        app.push_screen(ConfirmScreen("[/title]", "Delete [/this] \x1b[2J?"))
        await until(pilot, lambda: "Delete [/this] ^[[2J?" in screen_text(app), what="the dialog")
        assert "[/title]" in screen_text(app)
        await pilot.press("escape")

        # A file path typed to :create.
        await pilot.press("colon", *f"create job {tmp_path}/[/x].json", "enter")
        await until(pilot, lambda: toasted(app, "[/x].json"), what="the :create error")

        # An endpoint whose every answer is an error with brackets: the top bar, the tree's toasts.
        app.show_view(ViewKey("boom", JOBS))
        await until(pilot, lambda: "it went [/boom] [bold]loud[/bold] ^[]0;pwned^G" in screen_text(app),
                    what="the service's error")
        _clean(screen_text(app))
        assert app.is_running and app._exception is None


async def test_every_notification_is_plain_text(emulator):
    account = account_for(emulator)
    app = BatchApp([account], {account.name: service_for(emulator)}, refresh_seconds=60)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        app.notify("[/a] [b]b[/b]", title="[/t]")
        app.screen.notify("[/c] \x1b[31m")  # a widget's notify passes markup=True itself
        await until(pilot, lambda: toasted(app, "[/c] ^[[31m"), what="the toasts")
        assert toasted(app, "[/t] [/a] [b]b[/b]")  # the title, then the message
        _clean(screen_text(app))


async def test_a_control_character_that_slips_through_is_never_written(emulator):
    """DropControls: whatever a widget renders, the terminal gets no control character from its text."""
    account = account_for(emulator)
    app = BatchApp([account], {account.name: service_for(emulator)}, refresh_seconds=60)
    async with app.run_test(size=(100, 30)) as pilot:
        app.query_one("#view-title", Static).update("before\x1b]0;retitled\x07\x1b[6n\x9b2Jafter")
        await pilot.pause()
        written = screen_ansi(app, "truecolor")
        assert "]0;retitled" in written and "before" in written and "after" in written
        assert "\x07" not in written and "\x9b" not in written and "\x1b]" not in written and "\x1b[6n" not in written


async def test_ctrl_c_says_how_to_quit_in_plain_words(emulator):
    account = account_for(emulator)
    app = BatchApp([account], {account.name: service_for(emulator)}, refresh_seconds=60)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await pilot.press("ctrl+c")
        await until(pilot, lambda: toasted(app, "press q to quit"), what="the hint")
        assert app.is_running and not any("[b]" in toast for toast in toast_texts(app))
