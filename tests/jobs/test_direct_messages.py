"""Direct messages from jobs: quiet members' reminders, review assignments, warnings and
the admins' report go privately where the platform can; a refused DM falls back to the
group, merged, once, even across a crash and a takeover."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from chalicelib.jobs.runner import Direct, merge_fallbacks, render_plain, run_job
from chalicelib.platforms.base import (
    ChatAddress,
    DeliveryError,
    DirectRefused,
    Mention,
    Message,
)
from chalicelib.store import runs
from chalicelib.store.checkins import record_checkin
from chalicelib.store.homework import member_counters
from chalicelib.store.memory import MemoryTable
from chalicelib.store.repository import Store
from tests.helpers import community, runtime
from tests.jobs import test_report_inactive_members as report_case
from tests.jobs import test_send_daily_reminders as reminder_case
from tests.jobs import test_send_weekly_digests as digest_case


class Crash(Exception):
    """A Lambda dying mid-run (not a delivery failure: nothing catches it)."""


class DirectAdapter:
    """A platform adapter with direct messages: records group and private parts, refuses
    DMs to ``refuse`` (as Telegram does for members who never started the bot)."""

    name = "console"

    def __init__(self, *, refuse: tuple[str, ...] = (), direct: bool = True) -> None:
        self.direct_messages = direct
        self.refuse = set(refuse)
        self.group: list[tuple[str, str]] = []
        self.private: list[tuple[str, str]] = []
        self.crash_on_group: int | None = None  # crash at the n-th group delivery
        self.down = False  # the platform unreachable for DMs
        self.crash_on_direct: int | None = None  # crash at the n-th direct message

    def render(self, message: Message) -> list[str]:
        return render_plain(message)

    def deliver(self, chat: ChatAddress, part: str) -> str:
        if self.crash_on_group is not None and len(self.group) + 1 == self.crash_on_group:
            raise Crash
        self.group.append((chat.chat_id, part))
        return f"g{len(self.group)}"

    def deliver_direct(self, chat: ChatAddress, user_id: str, part: str) -> str:
        if self.crash_on_direct is not None and len(self.private) + 1 == self.crash_on_direct:
            raise Crash
        if user_id in self.refuse:
            raise DirectRefused("Forbidden: bot can't initiate conversation with a user")
        if self.down:
            raise DeliveryError("Telegram unreachable after 4 attempts")
        self.private.append((user_id, part))
        return f"d{len(self.private)}"

    def texts(self) -> str:
        return "\n".join(part for _, part in self.group)


def with_adapter(store: Store, at: Any, adapter: DirectAdapter):
    rt, _ = runtime(store, at)
    rt.adapters["console"] = adapter
    return rt


# -- the daily reminder -------------------------------------------------------------------------


@pytest.fixture
def reminder_store() -> Store:
    store = Store(MemoryTable())
    store.create_community(community(theme="Read daily", theme_week="2026-W48"))
    roster = reminder_case.roster()
    store.bulk_save_members([*roster, reminder_case.member("hush", name="Hush", quiet=True)])
    record_checkin(store.table, "c1", "done", reminder_case.DAY, reminder_case.AT_21)
    return store


def test_quiet_members_are_reminded_privately_and_not_listed_in_the_group(reminder_store):
    adapter = DirectAdapter()
    rt = with_adapter(reminder_store, reminder_case.AT_21, adapter)
    result = run_job(rt, "daily-reminder", "c1", reminder_case.AT_21)
    assert result.status == "sent" and result.delivered == 3
    assert "@Owner" in adapter.texts() and "quiet members" not in adapter.texts()
    assert [user for user, _ in adapter.private] == ["hush", "shy"]
    dm = dict(adapter.private)["shy"]
    assert dm.startswith("⏰ Shy, you have not checked in today (2026-11-23)")
    assert "1/5 have" in dm and "This week's theme: Read daily" in dm
    assert "direct_refused" not in result.summary


def test_a_refused_dm_lists_the_member_in_the_group_without_a_ping(reminder_store):
    adapter = DirectAdapter(refuse=("shy", "hush"))
    rt = with_adapter(reminder_store, reminder_case.AT_21, adapter)
    result = run_job(rt, "daily-reminder", "c1", reminder_case.AT_21)
    assert result.status == "sent" and result.summary["direct_refused"] == 2
    assert adapter.private == []
    *_, fallback = adapter.group
    assert fallback == (
        "chat-1",
        "Quiet members not reachable by direct message, not checked in yet:\nHush\nShy",
    )
    assert "@Shy" not in adapter.texts() and "@Hush" not in adapter.texts()
    assert len(result.errors) == 2 and "can't initiate" in result.errors[0]


def test_without_direct_messages_the_group_lists_quiet_members_as_before(reminder_store):
    adapter = DirectAdapter(direct=False)
    rt = with_adapter(reminder_store, reminder_case.AT_21, adapter)
    run_job(rt, "daily-reminder", "c1", reminder_case.AT_21)
    assert adapter.private == [] and len(adapter.group) == 1
    assert "(quiet members: Hush, Shy)" in adapter.texts()


def test_a_takeover_sends_neither_a_dm_nor_a_fallback_twice(reminder_store):
    """Crash while posting the fallback: the takeover (after the lease) finds the refusal
    recorded, does not retry that DM or resend the delivered one, and sends the fallback."""
    at = reminder_case.AT_21
    adapter = DirectAdapter(refuse=("shy",))
    adapter.crash_on_group = 2  # the group reminder goes out; the fallback crashes
    rt = with_adapter(reminder_store, at, adapter)
    with pytest.raises(Crash):
        run_job(rt, "daily-reminder", "c1", at)
    run = runs.get_run(reminder_store.table, "c1", "daily-reminder", "2026-11-23")
    assert run is not None and runs.settled(run) == 3  # group part, hush's DM, shy refused
    assert runs.refused_parts(
        reminder_store.table, "c1", "daily-reminder", "2026-11-23", runs.epoch_of(run)
    ) == {2}
    assert "sent_0001" not in run and "sent_0002" not in run  # a DM's id is not kept
    assert [user for user, _ in adapter.private] == ["hush"]

    later = at + runs_lease() + timedelta(seconds=1)
    adapter.crash_on_group = None
    adapter.refuse = set()  # would now accept: a recorded refusal is not retried
    rt = with_adapter(reminder_store, later, adapter)
    result = run_job(rt, "daily-reminder", "c1", later)
    assert result.status == "sent"
    assert [user for user, _ in adapter.private] == ["hush"]
    assert len(adapter.group) == 2 and adapter.group[1][1].endswith("not checked in yet:\nShy")
    assert run_job(rt, "daily-reminder", "c1", later).status == "already-done"


def test_a_dm_the_platform_could_not_take_fails_the_run_and_the_retry_resumes(reminder_store):
    """Not a refusal: the platform was unreachable. No fallback; the run is retried."""
    at = reminder_case.AT_21
    adapter = DirectAdapter()
    adapter.down = True
    rt = with_adapter(reminder_store, at, adapter)
    failed = run_job(rt, "daily-reminder", "c1", at)
    assert failed.status == "failed" and "unreachable" in failed.errors[0]
    assert len(adapter.group) == 1 and adapter.private == []
    adapter.down = False
    later = at + runs_lease() + timedelta(seconds=1)  # a failed run is retried after its lease
    retry = run_job(rt, "daily-reminder", "c1", later)
    assert retry.status == "sent" and len(adapter.group) == 1
    assert [user for user, _ in adapter.private] == ["hush", "shy"]


def runs_lease() -> timedelta:
    from chalicelib.jobs.runner import LEASE

    return LEASE


def test_a_dry_run_shows_whom_each_dm_is_for(reminder_store):
    rt = with_adapter(reminder_store, reminder_case.AT_21, DirectAdapter())
    result = run_job(rt, "daily-reminder", "c1", reminder_case.AT_21, dry_run=True)
    assert [p.split("]")[0] for p in result.parts[1:]] == ["[DM → hush", "[DM → shy"]


def test_fallbacks_merge_by_text_keeping_each_member_once():
    ann, bob = Mention("ann", "Ann"), Mention("bob", "Bob")
    merged = merge_fallbacks(
        [
            Message("rule A", (ann,)),
            Message("rule B", (bob,)),
            Message("rule A", (bob,)),
            Message("rule A", (ann,)),
            Message("names", tail="Ann"),
            Message("names", tail="Ann"),
            Message("names", tail="Bob"),
        ]
    )
    assert merged == [
        Message("rule A", (ann, bob)),
        Message("rule B", (bob,)),
        Message("names", (), "Ann\nBob"),
    ]


def test_a_plan_without_direct_support_gets_the_fallbacks_from_the_start():
    """A planner may address members privately whatever the platform: where DMs are off,
    the runner sends the merged fallbacks to the group instead."""
    from chalicelib.jobs import runner

    fallback = Message("Not reachable:", tail="Ann")
    plan = runner.Plan(
        "p", [Message("hello"), Message("dm")], targets=[None, Direct("ann", fallback)]
    )
    messages, targets = runner._addressed(plan, direct=False)
    assert messages == [Message("hello"), Message("Not reachable:", (), "Ann")]
    assert targets == [None, None]


# -- the weekly digest ----------------------------------------------------------------------------


def test_each_reviewer_is_told_privately_whom_to_review_with_the_links():
    store = Store(MemoryTable())
    store.create_community(community(cycle_anchor=digest_case.date(2026, 11, 2)))
    store.bulk_save_members(
        [digest_case.member(u, squad=s) for u, s in (("ann", "A"), ("bob", "B"), ("cat", "A"))]
    )
    at = digest_case.DEADLINE_3 - timedelta(hours=2)
    for user in ("ann", "bob", "cat"):
        digest_case.hand_in(store, user, "C0003", at, first=True)
    adapter = DirectAdapter(refuse=("cat",))
    rt = with_adapter(store, digest_case.DIGEST_3, adapter)
    result = run_job(rt, "weekly-digest", "c1", digest_case.DIGEST_3)
    assert result.status == "sent"
    assert "Review assignments for cycle 3" in adapter.texts()  # the digest lists them anyway
    # the scannable post and the full list; no fallback: the full list already says it
    assert [text[:2] for _, text in adapter.group] == ["📚 ", "📎 "]
    assert [user for user, _ in adapter.private] == ["ann", "bob"]
    for user, dm in adapter.private:
        assert dm.startswith(f"🔁 {user.title()}, your reviews of cycle 3 work")
        lines = dm.splitlines()
        reviewees = [line for line in lines if line[:2] in ("1.", "2.")]
        assert len(reviewees) == 2 and all("https://example.com/" in r for r in reviewees)
        assert user.title() not in "".join(reviewees)  # never oneself
        assert lines[-1].startswith("Post a review with /review @name")
    assert result.summary["direct_refused"] == 1


# -- the monthly report ---------------------------------------------------------------------------


def test_warnings_go_privately_and_a_refused_one_is_a_mention_in_the_group():
    store = report_case.make_store()
    adapter = DirectAdapter(refuse=("ian",))
    rt = with_adapter(store, report_case.RUN_AT, adapter)
    result = run_job(rt, "monthly-report", "c1", report_case.RUN_AT)
    assert result.status == "sent" and result.summary["direct_refused"] == 1
    assert [chat for chat, _ in adapter.group] == ["admins-1", "chat-1"]
    report, silent = (part for _, part in adapter.group)
    assert report.startswith("📋 Study Group: monthly report for 2026-11")
    assert "Rule “inactivity”" in silent and silent.endswith("@Ian")
    [(user, dm)] = adapter.private
    assert user == "hana"
    assert dm.startswith("Hana, a note from Study Group:\n⚠️ Rule “missed homework”")
    assert "At 3 missed in a row, the admins may remove you" in dm
    ian = member_counters(store.table, "c1", store.get_member("c1", "ian"))  # WRN#ian
    assert ian.warned_rule == "silent"  # warned in the group


def test_without_an_admin_chat_each_admin_gets_the_report_privately():
    store = report_case.make_store(admin_chat_id=None)
    adapter = DirectAdapter()
    rt = with_adapter(store, report_case.RUN_AT, adapter)
    result = run_job(rt, "monthly-report", "c1", report_case.RUN_AT)
    assert result.summary["report_to"] == "admins"
    assert adapter.group == []  # nothing in the group: the report and warnings are private
    assert [user for user, _ in adapter.private] == ["owner", "hana", "ian"]
    assert adapter.private[0][1].startswith("📋 Study Group: monthly report for 2026-11")
    assert "Removal candidates (1): Olga (inactivity)" in adapter.private[0][1]


def test_when_the_admins_cannot_be_reached_the_group_hears_only_that_a_report_is_ready():
    store = report_case.make_store(admin_chat_id=None)
    adapter = DirectAdapter(refuse=("owner",))
    rt = with_adapter(store, report_case.RUN_AT, adapter)
    run_job(rt, "monthly-report", "c1", report_case.RUN_AT)
    assert adapter.group == [
        ("chat-1", "📊 The activity report for 2026-11 is ready. Admins: send /report to read it.")
    ]
    assert "Olga" not in adapter.texts()


# -- a run longer than one invocation -----------------------------------------------------------


class Budget:
    """A Lambda's remaining time, asked before every part after the first: plenty for
    ``asks`` answers, then short."""

    def __init__(self, asks: int) -> None:
        self.left = asks

    def __call__(self) -> float:
        self.left -= 1
        return 60.0 if self.left >= 0 else 5.0


def test_a_run_out_of_time_pauses_and_the_next_worker_goes_on_at_once(reminder_store):
    at = reminder_case.AT_21
    adapter = DirectAdapter()
    rt = with_adapter(reminder_store, at, adapter)
    paused = run_job(rt, "daily-reminder", "c1", at, time_left=Budget(1))
    assert paused.status == "paused" and paused.delivered == 2
    assert len(adapter.group) == 1 and [u for u, _ in adapter.private] == ["hush"]
    # No lease to wait for: the same instant's next worker takes over and finishes.
    resumed = run_job(rt, "daily-reminder", "c1", at, time_left=Budget(10))
    assert resumed.status == "sent" and resumed.delivered == 1
    assert len(adapter.group) == 1 and [u for u, _ in adapter.private] == ["hush", "shy"]
    assert run_job(rt, "daily-reminder", "c1", at).status == "already-done"


def test_even_a_function_too_short_for_its_reserve_delivers_a_part_per_call(reminder_store):
    """No pause before the first part: a run always makes progress."""
    at = reminder_case.AT_21
    adapter = DirectAdapter()
    rt = with_adapter(reminder_store, at, adapter)
    statuses = [run_job(rt, "daily-reminder", "c1", at, time_left=lambda: 0.0).status]
    while statuses[-1] == "paused":
        statuses.append(run_job(rt, "daily-reminder", "c1", at, time_left=lambda: 0.0).status)
    assert statuses == ["paused", "paused", "sent"]
    assert len(adapter.group) == 1 and len(adapter.private) == 2


def test_the_run_record_stays_small_however_many_dms_a_run_sends():
    """Every update of the run item is billed by its size: it keeps a high-water mark and
    the group parts' ids, never one attribute per direct message."""
    store = Store(MemoryTable())
    store.create_community(community())
    store.bulk_save_members([reminder_case.member(f"q{n:03d}", quiet=True) for n in range(300)])
    adapter = DirectAdapter(refuse=tuple(f"q{n:03d}" for n in range(0, 300, 3)))
    rt = with_adapter(store, reminder_case.AT_21, adapter)
    result = run_job(rt, "daily-reminder", "c1", reminder_case.AT_21)
    assert result.status == "sent" and len(adapter.private) == 200
    run = runs.get_run(store.table, "c1", "daily-reminder", "2026-11-23")
    assert run is not None and runs.settled(run) == 1 + 300 + 1  # group, DMs, one fallback
    assert sorted(k for k in run if k.startswith("sent_")) == ["sent_0000", "sent_0301"]
    assert len(repr(run)) < 1000
    refused = runs.refused_parts(store.table, "c1", "daily-reminder", "2026-11-23", run["epoch"])
    assert len(refused) == 100


def test_a_forced_replay_starts_a_new_epoch_and_forgets_the_old_refusals(reminder_store):
    at = reminder_case.AT_21
    adapter = DirectAdapter(refuse=("shy",))
    rt = with_adapter(reminder_store, at, adapter)
    run_job(rt, "daily-reminder", "c1", at)
    assert adapter.group[-1][1].endswith("not checked in yet:\nShy")
    adapter.refuse = set()
    replay = run_job(rt, "daily-reminder", "c1", at, force=True)
    assert replay.status == "sent" and "direct_refused" not in replay.summary
    assert [user for user, _ in adapter.private][-2:] == ["hush", "shy"]


def test_dms_are_recorded_in_checkpoints_and_a_crash_resends_only_the_last_few():
    from chalicelib.jobs.runner import CHECKPOINT_PARTS, LEASE

    store = Store(MemoryTable())
    store.create_community(community())
    store.bulk_save_members([reminder_case.member(f"q{n:03d}", quiet=True) for n in range(120)])
    at = reminder_case.AT_21
    adapter = DirectAdapter()
    adapter.crash_on_direct = 80
    rt = with_adapter(store, at, adapter)
    with pytest.raises(Crash):
        run_job(rt, "daily-reminder", "c1", at)
    assert len(adapter.private) == 79
    adapter.crash_on_direct = None
    later = at + LEASE + timedelta(seconds=1)
    result = run_job(with_adapter(store, later, adapter), "daily-reminder", "c1", later)
    assert result.status == "sent"
    users = [user for user, _ in adapter.private]
    assert len(set(users)) == 120  # everyone reminded
    resent = len(users) - 120  # the DMs after the last checkpoint before the crash
    assert resent == 79 - CHECKPOINT_PARTS
    assert len(adapter.group) == 1  # the group reminder went out once
