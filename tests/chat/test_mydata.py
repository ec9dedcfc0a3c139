"""/mydata (我的数据): the member's data by direct message, never in the group.

Deferred: the webhook answers "working on it" and queues it; the worker (run over the queue
here, as SQS would) sends the DM and then a one-line note in the group.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from chalicelib.inbound import handle_event
from chalicelib.platforms.base import DirectRefused, InboundEvent, Sender
from chalicelib.queue import MemoryQueue
from chalicelib.runtime import set_runtime
from chalicelib.store import checkins, homework
from chalicelib.store.memory import MemoryTable
from chalicelib.store.repository import Store
from tests.chat.queued import run_worker
from tests.helpers import community, member, runtime

NOON = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)


@pytest.fixture(params=["en", "zh-CN"])
def setup(request):
    store = Store(MemoryTable())
    store.create_community(community(locale=request.param))
    store.bulk_save_members([member("amy", name="Amy Z"), member("bob", name="Bob")])
    for user, note in (("amy", "chapter 3 notes"), ("bob", "bob's secret note")):
        checkins.record_checkin(store.table, "c1", user, date(2026, 11, 22), NOON, note=note)
    homework.save_review(
        store.table, "c1", "C0001", "bob", "amy", text="solid work", score=4, at=NOON, assigned=True
    )
    rt, sent = runtime(store, NOON)
    rt.queue = MemoryQueue()
    set_runtime(rt)
    yield store, rt, sent, request.param
    set_runtime(None)


def say(rt, user: str, text: str, event_id: str = "e1") -> str:
    event = InboundEvent(
        "message", "console", "chat-1", Sender(user, user.title()), text, event_id=event_id
    )
    return "\n".join(m.text for m in handle_event(rt, event, NOON))


def test_mydata_arrives_by_direct_message_and_the_group_sees_only_a_note(setup):
    _store, rt, sent, locale = setup
    word = "/mydata" if locale == "en" else "我的数据"
    assert say(rt, "amy", word).startswith("⏳")
    run_worker(rt, rt.queue, NOON)
    dms = [m for m in sent if m.kind == "direct"]
    group = [m for m in sent if m.kind != "direct"]
    assert dms and all(m.user_id == "amy" for m in dms)
    text = "\n".join(m.text for m in dms)
    assert "chapter 3 notes" in text and "solid work" in text  # her check-in, her review
    assert "bob's secret note" not in text  # nobody else's
    assert len(group) == 1
    assert "chapter 3" not in group[0].text and "Amy" in group[0].text
    expected = "direct message" if locale == "en" else "私信"
    assert expected in group[0].text
    # run again (SQS delivers twice): the group note is not repeated
    run_worker(rt, rt.queue, NOON)
    assert len([m for m in sent if m.kind != "direct"]) == 1


def test_mydata_where_the_bot_cannot_message_privately_says_so_and_shows_nothing(setup):
    _store, rt, sent, _locale = setup
    rt.adapter("console").direct_messages = False
    reply = say(rt, "amy", "/mydata")
    assert "chapter 3" not in reply and ("privately" in reply or "私信" in reply)
    run_worker(rt, rt.queue, NOON)
    assert [m for m in sent if m.kind == "direct"] == []
    assert all("chapter 3" not in m.text for m in sent)


def test_mydata_refused_by_the_platform_tells_the_member_how_to_fix_it(setup):
    _store, rt, sent, _locale = setup
    adapter = rt.adapter("console")

    def refuse(chat, user_id, part):
        raise DirectRefused("bot was blocked by the user")

    adapter.deliver_direct = refuse
    assert say(rt, "amy", "/mydata").startswith("⏳")
    run_worker(rt, rt.queue, NOON)
    assert len(sent) == 1 and "chapter 3" not in sent[0].text
    assert "/mydata" in sent[0].text or "我的数据" in sent[0].text


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_every_kind_of_personal_item_has_a_name_in_mydata(locale):
    """Issue 17 (seen in the walkthrough): /mydata after an admin made someone a leader
    failed with no name for the role changes. Every kind erasure.member_items can return
    is named in both languages."""
    from chalicelib.domain.messages import t
    from chalicelib.store import erasure, keys

    kinds = {erasure.KIND_NAMES[p] for p in keys.PERSONAL_PREFIXES}
    kinds |= {erasure.KIND_NAMES[keys.MEMBER_PREFIX], "homework_counters", "warnings"}
    assert kinds >= {"role_changes", "settings_changes"}
    for kind in sorted(kinds):
        assert t(locale, f"mydata_kind_{kind}").strip(), kind


def test_mydata_shows_the_members_own_lines_of_a_report_never_who_else_it_named():
    """Hana is on November's report's warned list with Ian, and Olga is its removal
    candidate: her /mydata shows her own line of the report's lists, not theirs (who was
    warned under which rule, who is up for removal: their data, not hers)."""
    from chalicelib.jobs.runner import run_job
    from tests.jobs.test_report_inactive_members import RUN_AT, make_store

    store = make_store()
    rt, sent = runtime(store, RUN_AT)
    run_job(rt, "monthly-report", "c1", RUN_AT)
    rt.queue = MemoryQueue()
    set_runtime(rt)
    try:
        sent.clear()
        event = InboundEvent(
            "message", "console", "chat-1", Sender("hana", "Hana"), "/mydata", event_id="md1"
        )
        assert "".join(m.text for m in handle_event(rt, event, RUN_AT)).startswith("⏳")
        run_worker(rt, rt.queue, RUN_AT)
    finally:
        set_runtime(None)
    text = "\n".join(m.text for m in sent if m.kind == "direct" and m.user_id == "hana")
    assert "RPT#2026-11" not in text and "2026-11" in text and "hw-missed" in text  # hers
    for other in ("Olga", "olga", "Ian", "ian"):
        assert other not in text, other
