"""roster-sync as a scheduled job: dispatched daily at 04:00 local through the queue, the
claim and the run ledger, against Slack's real answers; platforms without a list and
refusals are recorded as skipped with their reason, and change nothing."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
import responses

from chalicelib.jobs.dispatch_due_jobs import dispatch_due_jobs
from chalicelib.jobs.runner import run_job
from chalicelib.jobs.scheduling import schedule_community
from chalicelib.platforms.slack import SlackAdapter
from chalicelib.queue import MemoryQueue
from chalicelib.store import runs
from chalicelib.store.memory import MemoryTable
from chalicelib.store.repository import Store
from chalicelib.worker import handle_records
from tests.helpers import community, member, runtime
from tests.platforms.support import quiet_sender

API = "https://slack.test/api"
CHANNEL = "C012AB3CD"
START = datetime(2026, 11, 22, 16, 0, tzinfo=UTC)  # 00:00 on the 23rd in Shanghai
SYNC_AT = datetime(2026, 11, 22, 20, 1, tzinfo=UTC)  # 04:01 local
NEXT_DAY = datetime(2026, 11, 23, 20, 1, tzinfo=UTC)


def slack_lists(*people: tuple[str, str]) -> None:
    responses.post(
        f"{API}/conversations.members",
        json={
            "ok": True,
            "members": [uid for uid, _ in people],
            "response_metadata": {"next_cursor": ""},
        },
    )
    responses.post(
        f"{API}/users.list",
        json={
            "ok": True,
            "members": [
                {
                    "id": uid,
                    "name": name.lower(),
                    "deleted": False,
                    "is_bot": False,
                    "profile": {"display_name": name, "real_name": name},
                }
                for uid, name in people
            ],
            "response_metadata": {"next_cursor": ""},
        },
    )


@pytest.fixture
def setup():
    store = Store(MemoryTable())
    c = community(platform="slack", chat_id=CHANNEL, jobs=("daily-reminder",))
    store.create_community(c)
    store.bulk_save_members([member("U0ANN0001", name="Ann"), member("U0BOB0001", name="Bob")])
    schedule_community(store.table, c, START)
    rt, _ = runtime(store, SYNC_AT)
    rt.adapters["slack"] = SlackAdapter("secret", "xoxb-test", api_base=API, sender=quiet_sender())
    return store, rt


def tick(rt, at: datetime) -> dict:
    rt.clock.set(at)
    queue = MemoryQueue()
    dispatch_due_jobs(rt.store.table, queue, at)
    dispatch_due_jobs(rt.store.table, queue, at)  # a tick delivered twice
    messages = [m for m in queue.drain() if m["job"] == "roster-sync"]
    records = [(f"m{n}", json.dumps(m)) for n, m in enumerate(messages)]
    return handle_records(rt, records, at)


@responses.activate
def test_the_daily_sync_runs_once_through_the_queue_and_welcomes_later_joiners(setup):
    store, rt = setup
    slack_lists(("U0ANN0001", "Ann"), ("U0CY00001", "Cy"))
    assert tick(rt, SYNC_AT) == {"batchItemFailures": []}
    run = runs.get_run(store.table, "c1", "roster-sync", "2026-11-23")
    assert run["status"] == "done"
    assert store.get_member("c1", "U0BOB0001").status.value == "left"
    cy = store.get_member("c1", "U0CY00001")
    assert cy.is_present and cy.observed_since == date(2026, 11, 23)
    posted = [c for c in responses.calls if c.request.url.endswith("chat.postMessage")]
    assert posted == []  # the first sync adds quietly
    # The duplicate delivery plans too (every job plans before its claim), then finds the
    # run done: the sync's bookkeeping was written once, by the run that owned it.
    assert store.table.get("C#c1", "SYNC#ROSTER")["joins"] == 1

    responses.calls.reset()
    slack_lists(("U0ANN0001", "Ann"), ("U0CY00001", "Cy"), ("U0DEE0001", "Dee"))
    responses.post(f"{API}/chat.postMessage", json={"ok": True, "channel": CHANNEL, "ts": "1.1"})
    assert tick(rt, NEXT_DAY) == {"batchItemFailures": []}
    [post] = [c for c in responses.calls if c.request.url.endswith("chat.postMessage")]
    text = json.loads(post.request.body)["text"]
    assert "Welcome to Study Group" in text and "<@U0DEE0001>" in text
    assert "<@U0ANN0001>" not in text
    assert store.get_member("c1", "U0DEE0001").observed_since == date(2026, 11, 24)


@responses.activate
def test_the_daily_sync_makes_the_workspaces_admins_rollcall_admins(setup):
    """Platform admins are admins without anyone running `member admins`: the daily sync
    reads the admin list after the roster. A member whose role was set in rollcall keeps it."""
    store, rt = setup
    from dataclasses import replace

    from chalicelib.domain.models import Role

    bob = store.get_member("c1", "U0BOB0001")
    store.save_member(replace(bob, role=Role.LEADER, role_source="cli"))
    responses.post(
        f"{API}/conversations.members",
        json={"ok": True, "members": ["U0ANN0001", "U0BOB0001"]},
    )
    responses.post(
        f"{API}/users.list",
        json={
            "ok": True,
            "members": [
                {"id": "U0ANN0001", "name": "ann", "is_admin": True, "profile": {}},
                {"id": "U0BOB0001", "name": "bob", "is_owner": True, "profile": {}},
            ],
            "response_metadata": {"next_cursor": ""},
        },
    )
    assert tick(rt, SYNC_AT) == {"batchItemFailures": []}
    ann, bob = store.get_member("c1", "U0ANN0001"), store.get_member("c1", "U0BOB0001")
    assert ann.role is Role.ADMIN and ann.role_source == "platform"
    assert bob.role is Role.LEADER and bob.role_source == "cli"  # an explicit role wins


@responses.activate
def test_the_admin_refresh_reads_the_roster_the_sync_read_with_its_changes(setup, monkeypatch):
    """The roster is read once a day: the admin refresh takes the sync's read with the
    sync's changes. A platform admin who joins in this sync is promoted; one who left the
    channel in it is not (they are no longer present)."""
    store, rt = setup
    from chalicelib.domain.models import Role
    from chalicelib.store import keys

    reads = []
    query = store.table.query

    def counted(pk, **kwargs):
        if kwargs.get("prefix") == keys.MEMBER_PREFIX:
            reads.append(pk)
        return query(pk, **kwargs)

    monkeypatch.setattr(store.table, "query", counted)
    responses.post(
        f"{API}/conversations.members",
        json={"ok": True, "members": ["U0ANN0001", "U0CY00001"]},
    )
    responses.post(
        f"{API}/users.list",
        json={
            "ok": True,
            "members": [
                {"id": "U0ANN0001", "name": "ann", "profile": {}},
                {"id": "U0BOB0001", "name": "bob", "is_admin": True, "profile": {}},
                {"id": "U0CY00001", "name": "cy", "is_admin": True, "profile": {}},
            ],
            "response_metadata": {"next_cursor": ""},
        },
    )
    assert tick(rt, SYNC_AT) == {"batchItemFailures": []}
    assert runs.get_run(store.table, "c1", "roster-sync", "2026-11-23")["status"] == "done"
    # two deliveries of the tick's message: each plans (one read), one runs the refresh
    assert reads == ["C#c1", "C#c1"]
    cy, bob = store.get_member("c1", "U0CY00001"), store.get_member("c1", "U0BOB0001")
    assert cy.is_present and cy.role is Role.ADMIN and cy.role_source == "platform"
    assert bob.status.value == "left" and bob.role is Role.MEMBER


@responses.activate
def test_a_refused_list_is_recorded_as_skipped_naming_the_scope(setup):
    store, rt = setup
    before = store.table.all_items()
    responses.post(
        f"{API}/conversations.members",
        json={"ok": False, "error": "missing_scope", "needed": "groups:read"},
    )
    result = run_job(rt, "roster-sync", "c1", SYNC_AT)
    assert result.status == "skipped"
    run = runs.get_run(store.table, "c1", "roster-sync", "2026-11-23")
    assert run["status"] == "skipped" and "missing scope groups:read" in run["reason"]
    members = [i for i in store.table.all_items() if i["sk"].startswith("M#")]
    assert members == [i for i in before if i["sk"].startswith("M#")]


def test_a_platform_without_a_list_is_skipped_with_its_reason():
    store = Store(MemoryTable())
    store.create_community(community(platform="dingtalk", chat_id="cid-1"))
    store.bulk_save_members([member("u1")])
    rt, _ = runtime(store, SYNC_AT)
    result = run_job(rt, "roster-sync", "c1", SYNC_AT)
    assert result.status == "skipped"
    run = runs.get_run(store.table, "c1", "roster-sync", "2026-11-23")
    assert "DingTalk shows a robot no member list" in run["reason"]
    assert store.get_member("c1", "u1").is_present


def test_console_communities_are_not_scheduled_for_a_sync():
    store = Store(MemoryTable())
    c = community()
    store.create_community(c)
    assert "roster-sync" not in schedule_community(store.table, c, START)
