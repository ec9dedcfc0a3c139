"""A community's ``retention_days`` setting (domain/settings.py): the check-in path and
homework write their items with it, the backfill gives older items it, and a change does
not rewrite items already written (docs/privacy.md)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from click.testing import CliRunner

from chalicelib.domain.models import InvalidValue
from chalicelib.domain.settings import parse_settings
from chalicelib.inbound import handle_event
from chalicelib.platforms.base import InboundEvent, Sender
from chalicelib.store import checkins, homework, keys
from chalicelib.store.memory import MemoryTable
from chalicelib.store.repository import Store
from chalicelib.store.retention import RETENTION_DAYS, expires_at
from rollcall.cli import main
from tests.helpers import community, member, runtime

NOON = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)


def ttl_days(item: dict, at: datetime) -> float:
    return (item[keys.TTL_ATTRIBUTE] - at.timestamp()) / 86400


@pytest.fixture
def chat():
    store = Store(MemoryTable())
    store.create_community(community(retention_days=200))
    store.bulk_save_members([member("amy", name="Amy"), member("bob", name="Bob")])
    rt, _sent = runtime(store, NOON)
    counter = iter(range(1, 1000))

    def say(user: str, text: str, at: datetime = NOON) -> str:
        event = InboundEvent(
            "message", "console", "chat-1", Sender(user, user.title()), text, f"e{next(counter)}"
        )
        return "\n".join(m.text for m in handle_event(rt, event, at))

    return store, say


def test_a_check_in_and_a_make_up_are_kept_for_the_communitys_retention(chat):
    store, say = chat
    say("amy", "/checkin day one")
    item = checkins.get_checkin(store.table, "c1", "amy", date(2026, 11, 23))
    assert item is not None and ttl_days(item, NOON) == 200
    say("amy", "/makeup 2026-11-22")
    made_up = checkins.get_checkin(store.table, "c1", "amy", date(2026, 11, 22))
    assert made_up is not None and made_up.get("makeup") and ttl_days(made_up, NOON) == 200


def test_a_warm_check_in_put_with_the_member_read_is_kept_for_the_retention_too(chat):
    """With the community cached, the put goes out with the member read (chat/checkins.py
    read_member_and_put_checkin): its item carries the community's retention as well."""
    store, say = chat
    say("bob", "hello")  # the container has the community cached now
    say("bob", "/checkin warm")
    item = checkins.get_checkin(store.table, "c1", "bob", date(2026, 11, 23))
    assert item is not None and item.get("delivery") and ttl_days(item, NOON) == 200


def test_homework_and_its_reviews_are_kept_for_the_communitys_retention(chat):
    store, say = chat
    say("amy", "/submit https://example.org/essay")
    submitted = [
        i for i in store.table.query("C#c1", prefix=keys.SUBMISSION_PREFIX) if i["user_id"] == "amy"
    ]
    assert len(submitted) == 1 and ttl_days(submitted[0], NOON) == 200
    say("bob", "/review @Amy a clear argument, well sourced 4")
    reviews = list(store.table.query("C#c1", prefix=keys.REVIEW_PREFIX))
    assert len(reviews) == 1 and ttl_days(reviews[0], NOON) == 200


def test_retention_has_a_floor_and_a_ceiling():
    with pytest.raises(InvalidValue, match="between 180 and 1096"):
        parse_settings({"retention_days": "90"})
    assert parse_settings({"retention_days": "730"}) == {"retention_days": 730}


def test_backfill_uses_the_setting_and_a_change_rewrites_nothing_already_set():
    runner = CliRunner()

    def cli(*args: str) -> str:
        result = runner.invoke(main, list(args), catch_exceptions=False)
        assert result.exit_code == 0, result.output + result.stderr
        return result.stdout

    made = cli(
        "community", "create", "--name", "晨读营", "--platform", "console", "--chat-id", "r1",
        "--json",
    )  # fmt: skip
    cid = json.loads(made)["id"]
    cli("member", "add", "--community", cid, "u1", "--name", "Zelda")
    from rollcall.context import open_store

    written = datetime(2026, 11, 5, 12, 0, tzinfo=UTC)
    with open_store() as store:
        checkins.record_checkin(store.table, cid, "u1", date(2026, 11, 5), written)  # default
        homework.save_review(
            store.table, cid, "C0001", "u1", "u2", text="x", score=None, at=written, assigned=False
        )
        (review,) = store.table.query(f"C#{cid}", prefix=keys.REVIEW_PREFIX)
        del review[keys.TTL_ATTRIBUTE]  # as written before retention existed
        store.table.put(review)
    cli("community", "update", cid, "--retention-days", "730")
    done = json.loads(cli("infra", "backfill-ttl", "--community", cid, "--json"))
    assert done["retention_days"] == 730 and done["set"] == {"reviews": 1}
    with open_store() as store:
        (review,) = store.table.query(f"C#{cid}", prefix=keys.REVIEW_PREFIX)
        checkin = checkins.get_checkin(store.table, cid, "u1", date(2026, 11, 5))
    assert review[keys.TTL_ATTRIBUTE] == expires_at(written, timedelta(days=730))
    assert checkin is not None  # written with the default before the change: kept as it was
    assert checkin[keys.TTL_ATTRIBUTE] == expires_at(written, timedelta(days=RETENTION_DAYS))


def test_audit_items_removals_and_position_changes_use_the_setting():
    from chalicelib.features.positions import set_member_position
    from chalicelib.features.reports import confirm_removals
    from chalicelib.jobs.runner import run_job
    from chalicelib.store import reports
    from tests.jobs.test_report_inactive_members import RUN_AT, make_store

    store = make_store(retention_days=500)
    rt, _ = runtime(store, RUN_AT)
    run_job(rt, "monthly-report", "c1", RUN_AT)
    later = RUN_AT + timedelta(days=2)
    confirm_removals(store, store.get_community("c1"), "2026-11", "owner", later)
    [removal] = reports.removals(store.table, "c1")
    assert ttl_days(removal, later) == 500
    set_member_position(
        store, store.get_community("c1"), "amy", "学习委员", source="cli", by="cli", now=later
    )
    [change] = store.table.query("C#c1", prefix=keys.ROLE_CHANGE_PREFIX)
    assert change["kind"] == "position_change" and ttl_days(change, later) == 500


def test_an_admin_changes_the_retention_from_chat_within_its_bounds():
    from chalicelib.domain.models import Role
    from chalicelib.queue import MemoryQueue
    from chalicelib.runtime import set_runtime
    from tests.chat.queued import run_worker

    store = Store(MemoryTable())
    store.create_community(community())
    store.bulk_save_members([member("boss", name="Boss", role=Role.ADMIN)])
    rt, _sent = runtime(store, NOON)
    rt.queue = MemoryQueue()
    set_runtime(rt)
    try:

        def say(text: str, event_id: str) -> str:
            event = InboundEvent(
                "message", "console", "chat-1", Sender("boss", "Boss"), text, event_id
            )
            return "\n".join(m.text for m in handle_event(rt, event, NOON))

        refused = say("/settings retention 90", "e1")
        assert "180" in refused and "1096" in refused
        assert store.get_community("c1").retention_days == RETENTION_DAYS
        say("设置 保留天数 730", "e2")
        run_worker(rt, rt.queue, NOON)
        assert store.get_community("c1").retention_days == 730
    finally:
        set_runtime(None)
