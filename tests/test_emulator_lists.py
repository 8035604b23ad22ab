"""Lists: maxresults, odata.nextLink paging with the query carried, $filter,
$select, $expand."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from azure.batch import models as m
from azure.core.exceptions import HttpResponseError
from conftest import make_job, make_pool, wait_for
from test_emulator_protocol import signed_get


@pytest.fixture(scope="module")
def finished_job(client):
    """A job of 30 finished tasks: ids t00..t29, t05/t15/t25 exit 2."""
    pool_id = make_pool(client, nodes=1, slots=8)
    job_id = make_job(client, pool_id)
    client.create_tasks(job_id, [
        m.BatchTaskCreateOptions(id=f"t{i:02d}", command_line=f"/bin/sh -c 'exit {2 if i % 10 == 5 else 0}'")
        for i in range(30)
    ])
    wait_for(lambda: client.get_job_task_counts(job_id).task_counts.completed == 30, what="30 done")
    return job_id


def test_every_page_with_small_maxresults(client, finished_job):
    pages = [list(p) for p in client.list_tasks(finished_job, max_results=4).by_page()]
    assert [len(p) for p in pages] == [4] * 7 + [2]
    ids = [t.id for p in pages for t in p]
    assert ids == [f"t{i:02d}" for i in range(30)]


def test_next_link_carries_filter_select_and_maxresults(emulator, finished_job):
    query = {"maxresults": "2", "$filter": "executionInfo/exitCode eq 2", "$select": "id,state"}
    first = signed_get(emulator, f"/jobs/{finished_job}/tasks", query).json()
    assert [t for t in first["value"]] == [{"id": "t05", "state": "completed"}, {"id": "t15", "state": "completed"}]
    link = urlparse(first["odata.nextLink"])
    carried = parse_qs(link.query)
    assert carried["$filter"] == ["executionInfo/exitCode eq 2"]
    assert carried["$select"] == ["id,state"] and carried["maxresults"] == ["2"]
    second = signed_get(emulator, link.path, {k: v[0] for k, v in carried.items() if k != "api-version"}).json()
    assert second["value"] == [{"id": "t25", "state": "completed"}]
    assert "odata.nextLink" not in second


def test_sdk_follows_next_links_with_filter(client, finished_job):
    failed = list(client.list_tasks(finished_job, filter="executionInfo/result eq 'failure'", max_results=1))
    assert [t.id for t in failed] == ["t05", "t15", "t25"]


@pytest.mark.parametrize(
    "expression, expected",
    [
        ("state eq 'completed'", 30),
        ("state eq 'Completed'", 30),
        ("state ne 'completed'", 0),
        ("executionInfo/exitCode ne 0", 3),
        ("executionInfo/exitCode gt 0 and startswith(id,'t1')", 1),
        ("(id eq 't01' or id eq 't02') and executionInfo/result eq 'success'", 2),
        ("startswith(id,'t2')", 10),
        ("not startswith(id,'t')", 0),
        ("creationTime gt 2000-01-01T00:00:00Z", 30),
        ("stateTransitionTime lt datetime'2000-01-01T00:00:00Z'", 0),
        ("id ge 't28'", 2),
    ],
)
def test_filter_subset(client, finished_job, expression, expected):
    assert len(list(client.list_tasks(finished_job, filter=expression))) == expected


@pytest.mark.parametrize(
    "expression, fragment",
    [
        ("commandLine eq 'x'", "commandLine"),
        ("endswith(id,'1')", "endswith"),
        ("state eq 'completed' and", "end"),
        ("executionInfo/exitCode eq 'x'", "exitCode"),
    ],
)
def test_unsupported_filter_is_400_with_a_clear_message(client, finished_job, expression, fragment):
    with pytest.raises(HttpResponseError) as info:
        list(client.list_tasks(finished_job, filter=expression))
    assert info.value.status_code == 400
    assert info.value.error.code == "InvalidQueryParameterValue"
    reason = {d.code: d.message for d in info.value.error.details}["Reason"]
    assert fragment in reason


def test_select_returns_only_chosen_properties(emulator, finished_job):
    query = {"$select": "id,executionInfo/exitCode", "maxresults": "1"}
    body = signed_get(emulator, f"/jobs/{finished_job}/tasks", query).json()
    assert body["value"] == [{"id": "t00", "executionInfo": {"exitCode": 0}}]


def test_expand_stats_on_tasks_and_jobs(client, finished_job):
    task = next(iter(client.list_tasks(finished_job, expand=["stats"], max_results=1)))
    assert task.task_statistics is not None and task.task_statistics.wall_clock_time is not None
    job = client.get_job(finished_job, expand=["stats"])
    assert job.job_statistics.succeeded_tasks_count == 27 and job.job_statistics.failed_tasks_count == 3


def test_unsupported_expand_is_400(client, finished_job):
    with pytest.raises(HttpResponseError) as info:
        list(client.list_tasks(finished_job, expand=["everything"]))
    assert info.value.status_code == 400


def test_maxresults_out_of_range_is_400(emulator, finished_job):
    r = signed_get(emulator, f"/jobs/{finished_job}/tasks", {"maxresults": "1001"})
    assert r.status_code == 400 and r.json()["code"] == "OutOfRangeQueryParameterValue"


def test_pools_and_jobs_lists_filter_and_page(client, finished_job):
    jobs = list(client.list_jobs(filter=f"id eq '{finished_job}'"))
    assert [j.id for j in jobs] == [finished_job]
    active = list(client.list_pools(filter="state eq 'active'", max_results=1))
    assert active and all(p.state == "active" for p in active)
    ids = [p.id for p in client.list_pools(max_results=1)]
    assert ids == sorted(ids) and len(ids) == len(set(ids))


def test_node_list_filter(client):
    pool_id = make_pool(client, nodes=2)
    assert len(list(client.list_nodes(pool_id, filter="state eq 'idle'", max_results=1))) == 2
    assert list(client.list_nodes(pool_id, filter="state eq 'running'")) == []
