"""我的状态 /standing, and the admins' 报告 /report and 确认移除 /confirm-removals, end to end
through ``handle_event``; /confirm-removals is deferred, so its result comes from the
worker run over the queue (as SQS would)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from chalicelib.config import Settings
from chalicelib.domain.models import MemberStatus, Role
from chalicelib.features.reports import CHAT_PLATFORM_REMOVALS
from chalicelib.inbound import handle_event
from chalicelib.jobs.runner import run_job
from chalicelib.platforms.base import InboundEvent, Sender
from chalicelib.platforms.console import SentMessage
from chalicelib.queue import MemoryQueue
from chalicelib.runtime import Runtime, set_runtime
from chalicelib.store import reports
from chalicelib.store.memory import MemoryTable
from chalicelib.store.repository import Store
from tests.chat.queued import WORKING, run_worker
from tests.helpers import SECRET, community, member

SHANGHAI = ZoneInfo("Asia/Shanghai")
REPORT_AT = datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI)
LATER = datetime(2026, 12, 2, 9, 0, tzinfo=SHANGHAI)
_ids = itertools.count(1)


def make_runtime(**settings) -> Runtime:
    store = Store(MemoryTable())
    store.create_community(community(admin_chat_id="admins-1", **settings))
    store.bulk_save_members(
        [
            member("boss", name="Boss", role=Role.OWNER, last_active=date(2026, 8, 1)),
            member("amy", name="Amy", last_active=date(2026, 11, 30), strikes=1),
            member("hana", name="Hana", last_active=date(2026, 11, 29), missed_in_a_row=1),
            member(
                "olga",
                name="Olga",
                last_active=date(2026, 9, 1),
                warned_rule="silent",
                warned_at=date(2026, 11, 1),
            ),
        ]
    )
    rt = Runtime(settings=Settings(console_secret=SECRET), store=store)
    rt.console_sink = Chat()
    rt.queue = MemoryQueue()
    return rt


class Chat:
    """The console sink: what the bot posted."""

    def __init__(self) -> None:
        self.sent: list[SentMessage] = []

    def __call__(self, sent: SentMessage) -> None:
        self.sent.append(sent)


@pytest.fixture
def installed() -> Iterator[None]:
    """Handlers reach the platform adapter through the process's Runtime; tests hand theirs
    in (``set_runtime``) and take it back afterwards."""
    yield
    set_runtime(None)


def say(rt: Runtime, text: str, at: datetime, *, user: str = "amy", chat: str = "chat-1") -> str:
    event = InboundEvent(
        kind="message",
        platform="console",
        chat_id=chat,
        sender=Sender(user, user.title()),
        text=text,
        event_id=f"evt-{next(_ids)}",
    )
    return "\n".join(m.text for m in handle_event(rt, event, at))


def ask(rt: Runtime, text: str, at: datetime, *, user: str = "boss", chat: str = "chat-1") -> str:
    """A deferred command: the webhook's acknowledgement, then what the worker posted into
    the chat it was asked in."""
    assert say(rt, text, at, user=user, chat=chat) == WORKING
    sink = rt.console_sink
    before = len(sink.sent)
    assert run_worker(rt, rt.queue, at) == {"batchItemFailures": []}
    posted = [m for m in sink.sent[before:] if m.kind == "message"]  # not removals, DMs
    assert {m.chat_id for m in posted} <= {chat}
    return "\n".join(m.text for m in posted)


# -- /standing -------------------------------------------------------------------------------


def test_standing_shows_tier_strikes_and_how_far_each_warning_is():
    rt = make_runtime()
    reply = say(rt, "/standing", LATER, user="hana")
    assert "📊 Hana: active" in reply
    assert "Last active: 2026-12-02 (today)" in reply  # this message counts
    assert "Homework strikes: 0 (missed in a row: 1)" in reply
    assert "Rule “missed homework”: 1 cycles missed in a row, warning at 2 (1 to go)" in reply
    assert "Rule “inactivity”: 0 days without activity, warning at 30 (30 to go)" in reply


def test_standing_is_understood_in_chinese_and_answers_in_the_communitys_language():
    rt = make_runtime(locale="zh-CN")
    reply = say(rt, "我的状态", LATER, user="hana")
    assert "Hana 的状态：活跃" in reply and "连续未交 1 次" in reply


def test_a_warned_member_who_comes_back_sees_the_warning_cleared_at_once():
    """Olga was warned for silence; sending anything brings her back, and /standing says so
    and clears the stored warning, so no report counts her as warned. Her warning was on
    the member item (before warnings left it): the clear is a cleared entry in her warnings
    bucket, which outranks it (store/reports.py); the member item is left as it was."""
    from chalicelib.store.homework import member_counters

    rt = make_runtime()
    reply = say(rt, "我的状态", LATER, user="olga")
    assert "Your warning under rule “inactivity” is cleared" in reply
    olga = member_counters(rt.store.table, "c1", rt.store.get_member("c1", "olga"))
    assert olga.warned_rule is None and olga.warned_at is None
    assert "cleared" not in say(rt, "/standing", LATER, user="olga")  # once


def test_a_warning_that_still_holds_says_what_clears_it():
    rt = make_runtime()
    hana = rt.store.get_member("c1", "hana")
    rt.store.save_member(
        replace(hana, missed_in_a_row=2, warned_rule="hw-missed", warned_at=date(2026, 12, 1))
    )
    reply = say(rt, "/standing", LATER, user="hana")
    assert "You were warned under rule “missed homework” on 2026-12-01" in reply
    assert "Hand in this cycle's homework to clear it" in reply


def test_admins_are_told_they_are_never_warned():
    rt = make_runtime()
    reply = say(rt, "/standing", LATER, user="boss")
    assert "Owners and admins are never warned or removed." in reply
    assert "Rule “" not in reply


# -- /report ---------------------------------------------------------------------------------


def test_report_is_for_admins_only():
    rt = make_runtime()
    run_job(rt, "monthly-report", "c1", REPORT_AT)
    assert say(rt, "/report", LATER) == "Only owners and admins can see the report."


def test_report_before_any_report_says_so():
    rt = make_runtime()
    assert say(rt, "报告", LATER, user="boss") == "No monthly report yet."


def test_report_in_the_admin_chat_shows_the_latest_report_with_names():
    rt = make_runtime()
    rt.store.bind_chat("c1", "console", "admins-1")
    run_job(rt, "monthly-report", "c1", REPORT_AT)
    reply = say(rt, "/report", LATER, user="boss", chat="admins-1")
    assert "monthly report for 2026-11" in reply
    assert "Removal candidates (1): Olga (inactivity)" in reply


def test_report_asked_in_the_group_shows_numbers_but_names_nobody():
    """The report is the admins'; an admin asking in the group must not name candidates
    in front of everyone."""
    rt = make_runtime()
    run_job(rt, "monthly-report", "c1", REPORT_AT)
    reply = say(rt, "/report 2026-11", LATER, user="boss")
    assert "Members (4)" in reply and "Olga" not in reply
    assert "Names go to admins only" in reply
    assert say(rt, "/report 2026-09", LATER, user="boss") == ("There is no monthly report 2026-09.")


# -- /confirm-removals -----------------------------------------------------------------------


class RemovingConsole:
    """The console adapter plus a ``remove_member``, as Telegram, Discord and Slack have."""

    def __init__(self, inner) -> None:
        self._inner = inner
        self.removed: list[str] = []

    def __getattr__(self, name):
        return getattr(self._inner, name)

    def remove_member(self, chat, user_id: str) -> bool:
        self.removed.append(user_id)
        return True


def test_confirm_removals_removes_through_the_platform_and_records_who_confirmed(installed):
    rt = make_runtime(removal_enabled=True)
    adapter = RemovingConsole(rt.adapter("console"))
    rt.adapters["console"] = adapter
    set_runtime(rt)
    run_job(rt, "monthly-report", "c1", REPORT_AT)
    assert say(rt, "/confirm-removals 2026-11", LATER) == (
        "Only owners and admins can confirm removals."
    )
    assert not rt.queue.messages  # refused inline, nothing for the worker
    assert rt.store.get_member("c1", "olga").status is MemberStatus.ACTIVE
    reply = ask(rt, "确认移除 2026-11", LATER, user="boss")
    assert reply == "Removed 1 under report 2026-11: Olga"
    assert adapter.removed == ["olga"]
    assert rt.store.get_member("c1", "olga").status is MemberStatus.REMOVED
    [record] = reports.removals(rt.store.table, "c1")
    assert (record["confirmed_by"], record["rule"], record["platform"]) == (
        "boss",
        "silent",
        "removed",
    )


class ConsoleWithoutRemoval:
    """The console adapter as a platform whose API cannot remove members (DingTalk's robot,
    WeCom's): no ``remove_member``."""

    def __init__(self, inner) -> None:
        self._inner = inner

    def __getattr__(self, name):
        if name == "remove_member":
            raise AttributeError(name)
        return getattr(self._inner, name)


def test_confirm_removals_on_a_platform_without_removal_asks_to_remove_by_hand(installed):
    rt = make_runtime(removal_enabled=True)
    rt.adapters["console"] = ConsoleWithoutRemoval(rt.adapter("console"))
    set_runtime(rt)
    run_job(rt, "monthly-report", "c1", REPORT_AT)
    reply = ask(rt, "/confirm-removals 2026-11", LATER, user="boss")
    assert "Removed 1 under report 2026-11: Olga" in reply
    assert "Please remove them from the chat by hand (the bot cannot here): Olga" in reply


def test_confirm_removals_needs_a_report_id_and_removal_turned_on():
    """What the community and the command say alone is answered inline, at once."""
    rt = make_runtime()
    run_job(rt, "monthly-report", "c1", REPORT_AT)
    assert say(rt, "/confirm-removals", LATER, user="boss") == (
        "Usage: /confirm-removals <report id>, e.g. /confirm-removals 2026-11"
    )
    assert say(rt, "/confirm-removals 2026-11", LATER, user="boss") == (
        "Removal is off for this community: nobody was removed."
    )
    assert not rt.queue.messages
    assert rt.store.get_member("c1", "olga").status is MemberStatus.ACTIVE


def test_confirm_removals_of_an_unknown_report_says_so(installed):
    rt = make_runtime(removal_enabled=True)
    set_runtime(rt)
    # Answered inline by the webhook's precheck: nothing to queue for a report that is not.
    assert (
        say(rt, "/confirm-removals 2026-10", LATER, user="boss")
        == "There is no monthly report 2026-10."
    )
    assert say(rt, "/confirm-removals soon", LATER, user="boss").startswith("Usage:")
    assert not rt.queue.messages


def test_confirm_removals_of_an_unknown_report_says_so_even_with_removal_off(installed):
    """Not "removal is off" for a report that does not exist (#17)."""
    rt = make_runtime(removal_enabled=False)
    set_runtime(rt)
    assert (
        say(rt, "/confirm-removals 2026-10", LATER, user="boss")
        == "There is no monthly report 2026-10."
    )
    assert not rt.queue.messages


def test_the_worker_removes_every_candidate_through_the_platform(installed):
    """Inline, a webhook could afford CHAT_PLATFORM_REMOVALS platform calls; the worker has
    no such deadline and removes every candidate, leaving nobody to remove by hand."""
    rt = make_runtime(removal_enabled=True)
    quiet = [
        member(
            f"q{n}",
            name=f"Quiet{n}",
            last_active=date(2026, 9, 1),
            warned_rule="silent",
            warned_at=date(2026, 11, 1),
        )
        for n in range(CHAT_PLATFORM_REMOVALS + 3)
    ]
    rt.store.bulk_save_members(quiet)
    adapter = RemovingConsole(rt.adapter("console"))
    rt.adapters["console"] = adapter
    set_runtime(rt)
    run_job(rt, "monthly-report", "c1", REPORT_AT)
    reply = ask(rt, "/confirm-removals 2026-11", LATER)
    assert reply.startswith(f"Removed {len(quiet) + 1} under report 2026-11:")
    assert "by hand" not in reply
    assert sorted(adapter.removed) == sorted(["olga", *(m.user_id for m in quiet)])
    assert all(r["platform"] == "removed" for r in reports.removals(rt.store.table, "c1"))


def test_confirm_removals_asked_in_the_group_names_no_candidate_it_keeps(installed):
    """Olga, November's candidate, came back; the owner confirms in the group (the report
    is not meant for it): the reply counts who was kept without naming them, as /report in
    the group names no candidate. In the admin chat the kept are named."""
    rt = make_runtime(removal_enabled=True)
    rt.store.bind_chat("c1", "console", "admins-1")
    set_runtime(rt)
    run_job(rt, "monthly-report", "c1", REPORT_AT)
    say(rt, "hello again", LATER, user="olga")
    reply = ask(rt, "/confirm-removals 2026-11", LATER, user="boss")
    assert "Kept 1 (came back, on leave or already gone)." in reply
    assert "Olga" not in reply
    in_admin_chat = ask(rt, "/confirm-removals 2026-11", LATER, user="boss", chat="admins-1")
    assert "Kept 1 (came back, on leave or already gone): Olga" in in_admin_chat
    assert rt.store.get_member("c1", "olga").status is MemberStatus.ACTIVE


class ExemptingMidway(RemovingConsole):
    """Removes through the platform; while the platform works on the first removal, an
    admin's /exempt of another candidate arrives (the worker's loop makes one platform call
    per candidate, seconds apart, after reading them all)."""

    def __init__(self, inner, rt: Runtime, who: str) -> None:
        super().__init__(inner)
        self.rt, self.who = rt, who

    def remove_member(self, chat, user_id: str) -> bool:
        if not self.removed:
            reply = say(self.rt, f"/exempt @{self.who}", LATER, user="boss")
            assert "is exempt" in reply
        return super().remove_member(chat, user_id)


def test_a_candidate_exempted_while_the_removals_run_is_kept(installed):
    rt = make_runtime(removal_enabled=True)
    rt.store.bulk_save_members(
        [
            member(
                "pia",
                name="Pia",
                last_active=date(2026, 9, 1),
                warned_rule="silent",
                warned_at=date(2026, 11, 1),
            )
        ]
    )
    adapter = ExemptingMidway(rt.adapter("console"), rt, "Pia")
    rt.adapters["console"] = adapter
    set_runtime(rt)
    run_job(rt, "monthly-report", "c1", REPORT_AT)
    reply = ask(rt, "/confirm-removals 2026-11", LATER, user="boss")
    assert adapter.removed == ["olga"]
    assert reply.startswith("Removed 1 under report 2026-11: Olga")
    pia = rt.store.get_member("c1", "pia")
    assert pia.exempt and pia.status is MemberStatus.ACTIVE
    assert [r["user_id"] for r in reports.removals(rt.store.table, "c1")] == ["olga"]


def test_a_report_made_while_removal_was_off_removes_nobody_once_it_is_on(installed):
    """November's report was made with removal off ("candidates are listed only", and the
    warnings said nothing of removal). Turning removal on afterwards does not make its
    candidates removable: confirming it removes nobody and says why."""
    rt = make_runtime(removal_enabled=False)
    adapter = RemovingConsole(rt.adapter("console"))
    rt.adapters["console"] = adapter
    set_runtime(rt)
    run_job(rt, "monthly-report", "c1", REPORT_AT)
    store = rt.store
    store.update_community(store.get_community("c1"), removal_enabled=True)
    reply = ask(rt, "/confirm-removals 2026-11", LATER, user="boss")
    assert "was made while removal was off" in reply and "nobody was removed" in reply
    assert adapter.removed == []
    assert store.get_member("c1", "olga").status is MemberStatus.ACTIVE
    assert reports.removals(store.table, "c1") == []


class LeaveTakenMidway(RemovingConsole):
    """While the platform works on the first removal, another candidate, already active
    today, takes leave (/leave: their activity of the day is written, so it moves
    nothing the removal checks but the leave itself)."""

    def __init__(self, inner, rt: Runtime, who: str) -> None:
        super().__init__(inner)
        self.rt, self.who = rt, who

    def remove_member(self, chat, user_id: str) -> bool:
        if not self.removed:
            say(self.rt, "/leave 3", LATER, user=self.who)
        return super().remove_member(chat, user_id)


def test_a_candidate_who_takes_leave_while_the_removals_run_is_kept(installed):
    """Tia misses homework (3 in a row: November's candidate) but chats daily; she takes
    leave while the confirmation's platform calls run: on leave, she is kept."""
    rt = make_runtime(removal_enabled=True)
    tia = member(
        "tia",
        name="Tia",
        last_active=date(2026, 11, 30),
        missed_in_a_row=3,
        warned_rule="hw-missed",
        warned_at=date(2026, 11, 1),
    )
    rt.store.bulk_save_members([tia])
    adapter = LeaveTakenMidway(rt.adapter("console"), rt, "tia")
    rt.adapters["console"] = adapter
    set_runtime(rt)
    run_job(rt, "monthly-report", "c1", REPORT_AT)
    candidates = reports.load_report(rt.store.table, "c1", "2026-11").candidates()
    assert [r.user_id for r in candidates] == ["olga", "tia"]
    say(rt, "hello", LATER, user="tia")  # active today, before the confirmation
    ask(rt, "/confirm-removals 2026-11", LATER, user="boss")
    assert adapter.removed == ["olga"]
    tia_now = rt.store.get_member("c1", "tia")
    assert tia_now.leave_until is not None and tia_now.status is MemberStatus.ACTIVE
    assert [r["user_id"] for r in reports.removals(rt.store.table, "c1")] == ["olga"]


def test_a_report_month_at_the_calendars_end_is_answered_not_a_500():
    """``/report 9999-12`` is a well-formed month: its bounds were computed as "32 days on,
    back to the 1st", which overflows past 9999 (a 500 from the webhook's precheck)."""
    rt = make_runtime()
    assert say(rt, "/report 9999-12", LATER, user="boss") == "There is no monthly report 9999-12."
    confirmed = say(rt, "/confirm-removals 9999-12", LATER, user="boss")
    assert confirmed == "There is no monthly report 9999-12."
