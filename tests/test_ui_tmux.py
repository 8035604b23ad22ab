"""The explorer in a real terminal: tmux, driven by the shared `tmux-walk` tool, which types a line's keys
with one `tmux send-keys -l` (all its bytes reach the app at once, as from a fast typist or a script).

Skipped where tmux or the tool is missing; `TMUX_WALK` names the tool if it is not in the default place.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from azure.batch import models as m
from conftest import make_pool, start_emulator, wait_task

TMUX_WALK = Path(os.environ.get("TMUX_WALK", "/work/shared/tools/tmux-walk"))

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None or not TMUX_WALK.exists(),
                                reason="needs tmux and the tmux-walk tool")


@pytest.fixture(scope="module")
def own_emulator(tmp_path_factory):
    """An emulator of this module's own: the job must be on the first screen, not among the session's."""
    emu = start_emulator(tmp_path_factory.mktemp("tmux-emulator"))
    yield emu
    emu.stop()


@pytest.fixture(scope="module")
def running_job(own_emulator):
    client = own_emulator.client()
    pool_id = make_pool(client, nodes=1)
    job_id = f"nightly-etl-{os.urandom(3).hex()}"
    client.create_job(m.BatchJobCreateOptions(id=job_id, pool_info=m.BatchPoolInfo(pool_id=pool_id)))
    client.create_task(job_id, m.BatchTaskCreateOptions(id="long", command_line="sleep 300"))
    wait_task(client, job_id, "long", "running")
    yield job_id
    client.terminate_task(job_id, "long")


def walk(emulator, tmp_path: Path, size: str, script: str) -> tuple[subprocess.CompletedProcess[str], Path]:
    """Run the explorer on the emulator's account in tmux at `size`, playing `script`."""
    out = tmp_path / f"walk-{size}"
    env = {**os.environ, "BATCHTUI_CONFIG_DIR": str(tmp_path / "config"), "AZURE_BATCH_ENDPOINT": emulator.endpoint,
           "AZURE_BATCH_ACCOUNT": emulator.account, "AZURE_BATCH_ACCESS_KEY": emulator.key}
    command = [str(TMUX_WALK), "--size", size, "--out", str(out), "--", sys.executable, "-m", "batchtui",
               "--refresh", "1"]
    result = subprocess.run(command, input=script, env=env, capture_output=True, text=True, timeout=180)
    return result, out


@pytest.mark.parametrize("size", ["80x24", "120x40"])
def test_a_command_typed_at_once_in_tmux_reaches_the_prompt(own_emulator, running_job, tmp_path, size):
    job = running_job
    client = own_emulator.client()
    script = f"""
until {job} 60
# The cursor on the running job, where a stray `t` would offer to terminate it and Enter confirm.
type /{job}
keys Enter
until /{job} 10
type :tasks {job}
keys Enter
until Tasks.of.job.{job} 20
until long.+running 20
wait 1
expect Tasks of job {job}
shot tasks
keys q
"""
    result, out = walk(own_emulator, tmp_path, size, script)
    screen = (out / "tasks.txt").read_text() if (out / "tasks.txt").exists() else ""
    assert result.returncode == 0, result.stdout + screen
    assert "Terminate" not in screen.split("\n")[0:3]  # no dialog
    assert client.get_job(job).state == "active"
    assert client.get_task(job, "long").state == "running"


def test_the_prompt_and_its_error_are_visible_in_tmux(own_emulator, running_job, tmp_path):
    script = f"""
until {running_job} 60
type :tasks night-etl
wait 0.5
expect ^.*▕ : tasks night-etl
keys Enter
until no.job.named.night-etl 20
shot error
keys Escape
wait 0.5
keys q
"""
    result, out = walk(own_emulator, tmp_path, "80x24", script)
    assert result.returncode == 0, result.stdout
    lines = (out / "error.txt").read_text().splitlines()
    typed = next(i for i, line in enumerate(lines) if ": tasks night-etl" in line)
    assert "no job named night-etl" in lines[typed + 1]
    assert typed < len(lines) - 2  # above the footer, not under it
