"""No secret reaches the explorer's screen: SAS signatures in the raw JSON view
(`y`) and the details pane, passwords of endpoint URLs in the top bar."""

from __future__ import annotations

from dataclasses import replace

from conftest import make_job, make_pool
from ui_helpers import account_for, service_for, until

from batchtui.ui.app import BatchApp
from batchtui.ui.views import TASKS, ViewKey
from batchtui.ui.widgets.resource_table import ResourceTable

SIG = "c2VjcmV0LXNpZ25hdHVyZQ%3D%3D"
SAS_URL = f"https://acct.blob.core.windows.net/inputs?sv=2022-11-02&se=2099-01-01T00%3A00%3A00Z&sp=rl&sig={SIG}"


def _screen(app) -> str:
    return app.export_screenshot().replace("&#160;", " ")


async def test_sas_signatures_and_endpoint_passwords_never_reach_the_screen(emulator, client):
    job_id = make_job(client, make_pool(client, nodes=0, wait_idle=False))  # no nodes: the task stays active
    client.create_task(job_id, {
        "id": "with-sas", "commandLine": "/bin/true",
        "resourceFiles": [{"storageContainerUrl": SAS_URL, "blobPrefix": "data/"}],
        "outputFiles": [{"filePattern": "*.txt", "destination": {"container": {"containerUrl": SAS_URL}},
                         "uploadOptions": {"uploadCondition": "taskCompletion"}}],
        "environmentSettings": [{"name": "PROXY", "value": "http://proxyuser:proxypass@proxy.example:3128"}],
    })
    host = emulator.endpoint.split("//", 1)[1]
    account = replace(account_for(emulator), endpoint=f"http://operator:hunter2@{host}")
    app = BatchApp([account], {account.name: service_for(emulator)}, refresh_seconds=1.0,
                   start=ViewKey("emu", TASKS, job_id))
    async with app.run_test(size=(160, 50)) as pilot:
        table = app.query_one(ResourceTable)
        await until(pilot, lambda: "with-sas" in table.visible_keys, what="the task")
        table.move_cursor_to_key("with-sas")
        await until(pilot, lambda: "acct.blob.core.windows.net" in str(app.query_one("#details-body").render()),
                    what="the task's details")
        topbar = str(app.query_one("#topbar").render())
        assert f"http://operator@{host}" in topbar and "hunter2" not in topbar
        details = _screen(app)
        assert "PROXY=http://proxyuser@proxy.example:3128" in details
        assert SIG not in details and "hunter2" not in details and "proxypass" not in details
        await pilot.press("y")
        await until(pilot, lambda: app.screen.__class__.__name__ == "JsonScreen", what="the JSON view")
        shown = _screen(app)
        assert "sig=REDACTED" in shown and "se=2099-01-01" in shown  # the signature only: expiry still visible
        assert SIG not in shown and "proxypass" not in shown and "proxyuser@proxy.example" in shown
