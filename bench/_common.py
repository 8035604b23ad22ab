"""Shared pieces of the benchmarks in bench/: seeding the emulator's store
directly, signed plain HTTP against the emulator, memory figures, a pty to run
the real `python -m batchtui` in, and the one-JSON-object-last output.

Nothing here is a benchmark by itself.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import pty
import random
import re
import resource
import select
import signal
import struct
import sys
import termios
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import formatdate
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from batchtui.emulator import API_VERSION  # noqa: E402
from batchtui.emulator.auth import sign, string_to_sign  # noqa: E402
from batchtui.emulator.executor import failure_for_exit  # noqa: E402
from batchtui.emulator.formats import iso  # noqa: E402
from batchtui.emulator.nodefs import make_node_tree, node_root, task_rel_dir  # noqa: E402
from batchtui.emulator.resources import new_job, new_node, new_pool, new_task, set_state  # noqa: E402
from batchtui.emulator.store import Store  # noqa: E402

VM_IMAGE = {
    "imageReference": {"publisher": "canonical", "offer": "ubuntu-24_04-lts", "sku": "server", "version": "latest"},
    "nodeAgentSKUId": "batch.node.ubuntu 24.04",
}


# --------------------------------------------------------------------------- seeding the store

def fast_iso(dt: datetime) -> str:
    """formats.iso() (7 fractional digits and Z) for an aware UTC datetime, without strftime."""
    return dt.isoformat(timespec="microseconds")[:26] + "0Z"


@dataclass
class Seeded:
    pools: dict[str, list[str]] = field(default_factory=dict)  # pool id → node ids
    jobs: dict[str, int] = field(default_factory=dict)  # job id → task count
    seconds: float = 0.0


class StoreSeeder:
    """Write pool, node, job and task documents straight into the emulator's
    SQLite store (the emulator must not be running on that data dir), through
    `Store.put` + `flush` so they have exactly the format the emulator keeps."""

    def __init__(self, data_dir: Path, *, seed: int = 7, now: datetime | None = None) -> None:
        self.data_dir = data_dir
        data_dir.mkdir(parents=True, exist_ok=True)
        self.store = Store(data_dir / "state.sqlite")
        self.rng = random.Random(seed)
        self.now = now or datetime.now(timezone.utc)
        self.result = Seeded()
        self._serial = 0
        self._t0 = time.perf_counter()

    def pool(self, pool_id: str, nodes: int, *, vm_size: str = "standard_d4s_v3", slots: int = 4,
             created_ago: timedelta = timedelta(hours=3), state_of=None) -> list[str]:
        """A steady pool with `nodes` dedicated nodes, idle unless `state_of(i)` (i: the node's index) says
        another state."""
        created = iso(self.now - created_ago)
        doc = new_pool({"id": pool_id, "vmSize": vm_size, "targetDedicatedNodes": nodes, "taskSlotsPerNode": slots,
                        "virtualMachineConfiguration": VM_IMAGE})
        doc.update(creationTime=created, lastModified=created, stateTransitionTime=created,
                   allocationState="steady",
                   allocationStateTransitionTime=iso(self.now - created_ago + timedelta(minutes=4)),
                   currentDedicatedNodes=nodes)
        self.store.put("pool", doc)
        ids = []
        for _ in range(nodes):
            self._serial += 1
            stamp = (self.now - created_ago).strftime("%Y%m%dt%H%M%Sz")
            node_id = f"tvm-{self.rng.randrange(1_000_000_000, 9_999_999_999)}_{self._serial}-{stamp}"
            node = new_node(node_id, doc, True, self._serial)
            booted = iso(self.now - created_ago + timedelta(minutes=3))
            node.update(allocationTime=created, lastBootTime=booted)
            set_state(node, state_of(len(ids)) if state_of else "idle", booted, keep_previous=False)
            make_node_tree(node_root(self.data_dir, node_id))
            self.store.put("node", node, pool_id)
            ids.append(node_id)
        self.result.pools[pool_id] = ids
        return ids

    def job(self, job_id: str, pool_id: str, *, state: str = "active", created_ago: timedelta = timedelta(hours=2),
            priority: int = 0) -> dict:
        created = iso(self.now - created_ago)
        doc = new_job({"id": job_id, "poolInfo": {"poolId": pool_id}, "priority": priority})
        doc.update(creationTime=created, lastModified=created, stateTransitionTime=created)
        doc["executionInfo"]["startTime"] = created
        if state == "completed":
            end = iso(self.now - timedelta(minutes=1))
            set_state(doc, "completed", end)
            doc["executionInfo"].update(endTime=end, terminateReason="AllTasksComplete")
        elif state != "active":
            set_state(doc, state, iso(self.now - timedelta(minutes=1)))
        self.store.put("job", doc)
        self.result.jobs[job_id] = 0
        return doc

    def completed_tasks(self, job: dict, count: int, *, nodes: list[str], pool_id: str, prefix: str = "task",
                        start_index: int = 0, fail_rate: float = 0.03, retry_rate: float = 0.01,
                        span: timedelta = timedelta(minutes=100), width: int = 6) -> list[str]:
        """`count` completed tasks: exit 0 mostly, exit 1 (a FailureExitCode
        failure) at `fail_rate`; start times spread evenly over `span`, run
        times 5 s to 3 min, the last one ending at least 30 s ago; a few
        retried once.

        One document comes from `new_task` (the emulator's own constructor);
        the others are copies of it with their own id, command line, ETag,
        times, outcome and node (nested objects nobody changes are shared: the
        store serializes each document to JSON)."""
        rng, job_id = self.rng, job["id"]
        template = new_task({"id": f"{prefix}-template", "displayName": "template",
                             "commandLine": "/bin/sh -c 'true'"}, job)
        # The last task ends at most 30 s ago; end times are spread, not piled up at one instant.
        end_limit = self.now - timedelta(seconds=30)
        first_start = end_limit - span - timedelta(seconds=180)
        created_base = datetime.fromisoformat(job["creationTime"].replace("0Z", "+00:00"))
        step = span / max(1, count)
        failure = failure_for_exit(1)
        getrandbits, random_ = rng.getrandbits, rng.random
        put = self.store.put
        ids = []
        for i in range(start_index, start_index + count):
            task_id = f"{prefix}-{i:0{width}d}"
            created = created_base + timedelta(milliseconds=(i // 100) * 40)
            started = max(created + timedelta(seconds=2), first_start + step * (i - start_index))
            ended = min(end_limit, started + timedelta(seconds=5 + 175 * random_()))
            exit_code = 1 if random_() < fail_rate else 0
            retries = 1 if random_() < retry_rate else 0
            t_created, t_started, t_ended = fast_iso(created), fast_iso(started), fast_iso(ended)
            info = {"startTime": t_started, "endTime": t_ended, "exitCode": exit_code,
                    "result": "failure" if exit_code else "success", "retryCount": retries, "requeueCount": 0}
            if retries:
                info["lastRetryTime"] = t_started
            if exit_code:
                info["failureInfo"] = failure
            doc = dict(template)
            doc.update(id=task_id, displayName=f"frame {i}",
                       commandLine=f"/bin/sh -c 'render --scene city.blend --frame {i}'",
                       creationTime=t_created, eTag=f"0x8D{getrandbits(44):011X}", lastModified=t_ended,
                       state="completed", stateTransitionTime=t_ended, previousState="running",
                       previousStateTransitionTime=t_started, executionInfo=info)
            if nodes:
                node_id = nodes[i % len(nodes)]
                doc["nodeInfo"] = {"affinityId": f"TVM:{node_id}", "poolId": pool_id, "nodeId": node_id,
                                   "taskRootDirectory": task_rel_dir(job_id, task_id)}
            put("task", doc, job_id)
            ids.append(task_id)
        self.result.jobs[job_id] = self.result.jobs.get(job_id, 0) + count
        return ids

    def active_task(self, job: dict, task_id: str) -> None:
        """A task that is queued (it never ran)."""
        doc = new_task({"id": task_id, "commandLine": "/bin/sh -c 'exit 0'"}, job)
        self.store.put("task", doc, job["id"])
        self.result.jobs[job["id"]] = self.result.jobs.get(job["id"], 0) + 1

    def close(self) -> Seeded:
        self.store.close()
        self.result.seconds = round(time.perf_counter() - self._t0, 3)
        return self.result


def in_child(fn, *args):
    """fn(*args) in a forked child process; its JSON-able result. Keeps the
    child's memory out of this process's peak RSS."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        try:
            payload = {"ok": fn(*args)}
        except BaseException as exc:  # noqa: BLE001 - reported by the parent
            payload = {"error": f"{type(exc).__name__}: {exc}"}
        with os.fdopen(write_end, "w") as out:
            out.write(json.dumps(payload))
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end) as inp:
        text = inp.read()
    os.waitpid(pid, 0)
    payload = json.loads(text or '{"error": "the child died"}')
    if "error" in payload:
        raise RuntimeError(payload["error"])
    return payload["ok"]


# --------------------------------------------------------------------------- plain signed HTTP

class SignedHttp:
    """Plain HTTP to the emulator (requests), signed with the account's shared
    key exactly as the SDK signs; no SDK pipeline, no model deserialization."""

    def __init__(self, endpoint: str, account: str, key: str) -> None:
        import requests

        self.endpoint, self.account, self.key = endpoint.rstrip("/"), account, key
        self.session = requests.Session()
        self._requests = requests

    def get(self, path_or_url: str, query: dict | None = None):
        return self.send("GET", path_or_url, query)

    def post_json(self, path: str, body: bytes):
        """POST a JSON body (bytes, serialized once by the caller)."""
        return self.send("POST", path, None, body)

    def send(self, method: str, path_or_url: str, query: dict | None = None, body: bytes | None = None):
        url = path_or_url if path_or_url.startswith("http") else self.endpoint + path_or_url
        # a next link carries its own query (api-version included)
        params = None if "?" in url else {"api-version": API_VERSION, **(query or {})}
        headers = {"ocp-date": formatdate(usegmt=True)}
        if body is not None:
            headers["Content-Type"] = "application/json; odata=minimalmetadata"
        prepared = self._requests.Request(method, url, params=params, headers=headers, data=body).prepare()
        raw_path, _, raw_query = prepared.path_url.partition("?")
        to_sign = string_to_sign(method, raw_path, raw_query, prepared.headers, self.account)
        prepared.headers["Authorization"] = f"SharedKey {self.account}:{sign(self.key, to_sign)}"
        response = self.session.send(prepared, timeout=120)
        response.raise_for_status()
        return response

    def request_counts(self) -> dict[str, int]:
        """The emulator's own count of the requests it answered, by method."""
        return self.get("/_emulator/requests").json()

    def list_all(self, path: str, query: dict) -> tuple[int, int, int]:
        """Page through a list; (items, pages, body bytes). Each body is parsed
        (json.loads) only to find its odata.nextLink."""
        body = self.get(path, {"maxresults": "1000", **query})
        items = pages = size = 0
        while True:
            size += len(body.content)
            doc = json.loads(body.content)
            items += len(doc.get("value", []))
            pages += 1
            link = doc.get("odata.nextLink")
            if not link:
                return items, pages, size
            body = self.get(link)

    def close(self) -> None:
        self.session.close()


# --------------------------------------------------------------------------- memory

def peak_rss_mb() -> float:
    """Peak resident set size of this process (ru_maxrss is in KiB on Linux)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def current_rss_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return float("nan")


# --------------------------------------------------------------------------- accounts for `python -m batchtui`

KEY_ENV = "BATCHTUI_BENCH_KEY"


def write_accounts(config_dir: Path, name: str, endpoint: str, account: str) -> Path:
    config_dir.mkdir(parents=True, exist_ok=True)
    path = config_dir / "accounts.toml"
    path.write_text(f'[accounts.{name}]\nendpoint = "{endpoint}"\naccount_name = "{account}"\n'
                    f'auth = "shared_key"\nkey_env = "{KEY_ENV}"\n')
    return path


def app_environment(config_dir: Path, key: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TEXTUAL", "AZURE_BATCH_")) and k not in ("NO_COLOR", "COLUMNS", "LINES")}
    # (as an installed batchtui starts: its modules' bytecode cached, not compiled again on every start)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(TERM="xterm-256color", COLORTERM="truecolor", BATCHTUI_CONFIG_DIR=str(config_dir), **{KEY_ENV: key})
    return env


# --------------------------------------------------------------------------- a pty

_CSI = re.compile(rb"\x1b\[([0-9;?<>=]*)([ -/]*)([@-~])")
_OTHER_ESC = re.compile(rb"\x1b[\]P_^][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b[=>78DEHMNOcn]")


def strip_ansi(data: bytes) -> str:
    return _CSI.sub(b"", _OTHER_ESC.sub(b"", data)).decode("utf-8", "replace")


def rows_written(data: bytes) -> dict[int, int]:
    """Bytes written per screen row (1-based), following cursor moves (CSI row;col H)."""
    out: dict[int, int] = {}
    row, pos = 0, 0
    for m in _CSI.finditer(data):
        out[row] = out.get(row, 0) + (m.start() - pos)
        if m.group(3) == b"H":
            params = m.group(1).split(b";")
            row = int(params[0]) if params and params[0].isdigit() else 1
        pos = m.start()
    out[row] = out.get(row, 0) + (len(data) - pos)
    return {r: n for r, n in out.items() if n}


def row_texts(data: bytes) -> dict[int, str]:
    """The plain text written to each screen row (1-based), concatenated in order."""
    out: dict[int, list[str]] = {}
    row, pos = 0, 0
    for m in _CSI.finditer(data):
        chunk = data[pos:m.start()]
        if chunk:
            out.setdefault(row, []).append(strip_ansi(chunk))
        if m.group(3) == b"H":
            params = m.group(1).split(b";")
            row = int(params[0]) if params and params[0].isdigit() else 1
        pos = m.end()
    if data[pos:]:
        out.setdefault(row, []).append(strip_ansi(data[pos:]))
    return {r: "".join(parts) for r, parts in out.items()}


def bursts(chunks: list[tuple[float, bytes]], gap: float = 0.010) -> list[tuple[float, bytes]]:
    """Group reads into writes: chunks less than `gap` seconds apart are one burst."""
    out: list[tuple[float, bytearray]] = []
    last = -1.0
    for t, data in chunks:
        if out and t - last <= gap:
            out[-1][1].extend(data)
        else:
            out.append((t, bytearray(data)))
        last = t
    return [(t, bytes(b)) for t, b in out]


class PtyApp:
    """A child process on a pseudo-terminal of a fixed size; every byte it
    writes is kept with the time it was read."""

    def __init__(self, argv: list[str], env: dict[str, str], *, cols: int = 120, rows: int = 40,
                 cwd: str | None = None) -> None:
        self.started = time.perf_counter()
        pid, fd = pty.fork()
        if pid == 0:  # the child: size the terminal before anything reads it, then exec
            try:
                fcntl.ioctl(sys.stdout.fileno(), termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
                if cwd:
                    os.chdir(cwd)
                os.execvpe(argv[0], argv, env)
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd
        self.chunks: list[tuple[float, bytes]] = []
        self.eof = False
        self._exit_status: int | None = None

    # -- reading ------------------------------------------------------------------------
    def _read_once(self, timeout: float) -> bytes | None:
        if self.eof:
            return None
        ready, _, _ = select.select([self.fd], [], [], max(0.0, timeout))
        if not ready:
            return b""
        try:
            data = os.read(self.fd, 65536)
        except OSError as exc:
            if exc.errno == errno.EIO:
                self.eof = True
                return None
            raise
        if not data:
            self.eof = True
            return None
        self.chunks.append((time.perf_counter(), data))
        return data

    def pump(self, seconds: float) -> None:
        """Read whatever arrives for `seconds`."""
        end = time.perf_counter() + seconds
        while not self.eof:
            left = end - time.perf_counter()
            if left <= 0:
                return
            self._read_once(left)

    def text(self) -> str:
        """Everything written so far, escape sequences stripped."""
        return strip_ansi(b"".join(c for _, c in self.chunks))

    def wait_for_text(self, needle: str, timeout: float, since: int = 0) -> float | None:
        """Read until `needle` shows in the (escape-stripped) output written after
        chunk `since`; the time it arrived (perf_counter), or None on timeout/EOF."""
        end = time.perf_counter() + timeout
        buffer = bytearray(b"".join(c for _, c in self.chunks[since:]))
        if needle in strip_ansi(bytes(buffer)):
            return self.chunks[-1][0] if self.chunks else time.perf_counter()
        while not self.eof:
            left = end - time.perf_counter()
            if left <= 0:
                return None
            data = self._read_once(min(left, 0.2))
            if data:
                buffer.extend(data)
                if needle in strip_ansi(bytes(buffer)):
                    return self.chunks[-1][0]
        return None

    def send(self, data: bytes) -> None:
        os.write(self.fd, data)

    def bytes_since(self, t: float) -> list[tuple[float, bytes]]:
        return [(ct, c) for ct, c in self.chunks if ct >= t]

    # -- ending --------------------------------------------------------------------------
    def _reap(self, timeout: float) -> bool:
        end = time.perf_counter() + timeout
        while True:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self._exit_status = status
                return True
            if time.perf_counter() >= end:
                return False
            self._read_once(0.05)  # keep draining, so the child never blocks on a full pty

    def close(self, quit_keys: bytes = b"q") -> str:
        """Quit with `quit_keys`; SIGTERM, then SIGKILL, if it lingers. How it ended."""
        how = "quit"
        try:
            if quit_keys and not self.eof:
                try:
                    self.send(quit_keys)
                except OSError:
                    pass
            if not self._reap(5.0):
                how = "sigterm"
                os.kill(self.pid, signal.SIGTERM)
                if not self._reap(3.0):
                    how = "sigkill"
                    os.kill(self.pid, signal.SIGKILL)
                    self._reap(5.0)
        except ChildProcessError:
            pass
        finally:
            try:
                os.close(self.fd)
            except OSError:
                pass
        return how


# --------------------------------------------------------------------------- output

def emit(result: dict) -> None:
    """A few human-readable lines, then the JSON object alone on the last line."""
    for key, value in result.items():
        if not isinstance(value, (dict, list)):
            print(f"{key:>28}: {value}")
    sys.stdout.flush()
    print(json.dumps(result), flush=True)


def median(values: list[float]) -> float:
    s = sorted(values)
    n = len(s)
    if not n:
        return float("nan")
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2
