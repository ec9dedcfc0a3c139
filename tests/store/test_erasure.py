"""Forgetting a member and deleting a community: every kind of item the store writes is
written through the store's own functions, then nothing may carry the member afterwards."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from chalicelib.domain.goals import Goal
from chalicelib.domain.homework import CloseWrites, Counters, StrikeChange, Work
from chalicelib.domain.inactivity import (
    MonthlyReport,
    Named,
    NameList,
    Rate,
    ReportRow,
    ReportSummary,
    Tier,
    Verdict,
)
from chalicelib.domain.models import Community, Member, Role
from chalicelib.features import personal_data
from chalicelib.store import (
    checkins,
    due,
    erasure,
    goals,
    homework,
    keys,
    manage,
    reports,
    retention,
    roster,
    runs,
    stars,
)
from chalicelib.store.memory import MemoryTable
from chalicelib.store.repository import NotFound, Store

CID = "cforget0001"
GONE, GONE_NAME = "u-zelda-7", "Zelda Quux"
STAY, STAY_NAME = "u-bob-2", "Bob Stayer"
OTHER = "u-carol-3"
PAL = "u-pal-9"  # in the forgotten member's strike and counters buckets (a hash of the id)
AT = datetime(2026, 10, 5, 12, 0, tzinfo=UTC)

# Item kinds of the community partition that are global or not in the community (checked
# below: every *_PREFIX of keys.py is either a partition kind or one of these).
NOT_IN_A_COMMUNITY = {
    "EVENT_PREFIX",
    "SIGNATURE_PREFIX",
    "INVITE_CODE_PREFIX",
    "INVITE_ALLOW_PREFIX",
}


def _row(user_id: str, name: str, rule: str | None = None) -> ReportRow:
    return ReportRow(
        user_id=user_id,
        name=name,
        role="member",
        squad=None,
        tier=Tier("inactive") if rule else Tier("active"),
        last_active=date(2026, 9, 1),
        checkins=3,
        missed_in_a_row=0,
        warned_rule=rule,
        candidate_rule=rule,
    )


def populate(table: MemoryTable) -> Store:
    """A community with every kind of item, the forgotten member in each (as owner, and as
    someone named in another member's item)."""
    store = Store(table, cache_seconds=0)
    store.create_community(
        Community(
            id=CID,
            name="晨读营",
            platform="console",
            chat_id="room-1",
            admin_chat_id="admins-1",
            created_at=AT - timedelta(days=60),
        )
    )
    store.bind_chat(CID, "console", "admins-1")
    for uid, name, role in ((GONE, GONE_NAME, Role.ADMIN), (STAY, STAY_NAME, Role.MEMBER)):
        store.save_member(Member(community_id=CID, user_id=uid, name=name, role=role))
    store.save_member(Member(community_id=CID, user_id=OTHER, name="Carol"))
    day = date(2026, 10, 5)
    checkins.record_checkin(table, CID, GONE, day, AT, note="read 20 pages")
    checkins.record_checkin(table, CID, STAY, day, AT, note="done")
    # the forgotten admin recorded a make-up for Bob
    checkins.record_checkin(
        table, CID, STAY, day - timedelta(days=1), AT, makeup=True, recorded_by=GONE
    )
    checkins.reserve_makeup(table, CID, GONE, "2026-10", 2)
    checkins.reserve_makeup(table, CID, STAY, "2026-10", 2)
    work = Work(link="https://example.com/essay", text="my essay")
    first, _ = homework.save_submission(
        table, CID, "C0001", GONE, name=GONE_NAME, work=work, at=AT, late=False, previous=None
    )
    homework.save_submission(
        table,
        CID,
        "C0001",
        GONE,
        name=GONE_NAME,
        work=work,
        at=AT + timedelta(hours=1),
        late=False,
        previous=first,
    )
    homework.save_submission(
        table, CID, "C0001", STAY, name=STAY_NAME, work=work, at=AT, late=False, previous=None
    )
    homework.save_review(
        table, CID, "C0001", GONE, STAY, text="nice", score=4, at=AT, assigned=True
    )
    homework.save_review(table, CID, "C0001", STAY, GONE, text="ok", score=3, at=AT, assigned=True)
    homework.save_review(table, CID, "C0001", STAY, OTHER, text="hm", score=3, at=AT, assigned=True)
    homework.bulk_save_assignments(
        table, CID, "C0001", {GONE: [STAY], STAY: [GONE, OTHER], OTHER: [STAY]}, AT
    )
    # a per-reviewee item (the shape before packing; a full bucket's spill): they review Bob
    homework.bulk_save_assignments(table, CID, "C0000", {STAY: [GONE]}, AT, max_bytes=0)
    # strikes of C0001 as the older shape wrote them (a record each), C0002's packed below
    homework.bulk_record_strikes(
        table, CID, "C0001", [StrikeChange(GONE, 1, 1), StrikeChange(OTHER, 1, 1)], AT
    )
    homework.save_cycle_close(table, CID, "C0001", shown=[GONE, STAY], at=AT)
    summary = ReportSummary(
        community_id=CID,
        month="2026-09",
        as_of=date(2026, 9, 30),
        generated_at=AT,
        counts={"active": 2, "inactive": 1},
        previous_counts=None,
        checkins=Rate(3, 9),
        homework=Rate(1, 3),
        homework_cycles=1,
        lists={
            "candidates": NameList.of([Named(GONE, GONE_NAME, "silent"), Named(STAY, STAY_NAME)])
        },
        removal_enabled=True,
    )
    rows = (_row(GONE, GONE_NAME, "silent"), _row(STAY, STAY_NAME), _row(OTHER, "Carol"))
    reports.save_report(table, MonthlyReport(summary, rows))
    reports.confirm_report(table, CID, "2026-09", GONE, AT)
    for uid, name, by in ((GONE, GONE_NAME, STAY), (OTHER, "Carol", GONE)):
        reports.record_removal(
            table,
            CID,
            user_id=uid,
            name=name,
            rule="silent",
            report="2026-09",
            confirmed_by=by,
            at=AT,
            platform="removed",
        )
    # role changes (store/roles.py): the member's own, and one they made to another
    from chalicelib.domain.roles import RoleChange
    from chalicelib.store.roles import record_role_change

    record_role_change(
        table, CID, RoleChange(GONE, GONE_NAME, Role.MEMBER, Role.LEADER, "chat", STAY, AT)
    )
    record_role_change(
        table, CID, RoleChange(OTHER, "Carol", Role.MEMBER, Role.ADMIN, "chat", GONE, AT)
    )
    # the month's stars name the forgotten member; they gave one award by hand and got one
    stars.save_stars(
        table,
        CID,
        "2026-09",
        {"checkins": [{"user_id": GONE, "name": GONE_NAME, "score": 20}]},
        AT,
    )
    for uid, name, by, by_name in (
        (GONE, GONE_NAME, STAY, STAY_NAME),
        (OTHER, "Carol", GONE, GONE_NAME),
    ):
        stars.save_hand_award(
            table,
            CID,
            "2026-10",
            user_id=uid,
            name=name,
            award="most improved",
            given_by=by,
            given_by_name=by_name,
            at=AT + timedelta(minutes=len(name)),
        )
    # state outside the member item: homework counters, a warning, an admin command held
    # for its code (chat/confirm.py), for the forgotten member and another
    # (older counters items, and C0002's close packed: the forgotten member shares both
    # their buckets with PAL, whose entries must stay)
    for uid in (GONE, OTHER):
        table.put(
            {"pk": f"C#{CID}", "sk": keys.homework_counters_sk(uid), "user_id": uid, "strikes": 1}
        )
    writes = CloseWrites(
        strikes=tuple(StrikeChange(uid, 1, 2) for uid in (GONE, OTHER, PAL)),
        counters={uid: Counters(2, 2, "C0002", True, AT.date()) for uid in (GONE, OTHER, PAL)},
    )
    homework.record_close_writes(table, CID, "C0002", writes, AT)
    for uid in (GONE, OTHER):
        table.put({"pk": f"C#{CID}", "sk": keys.warning_sk(uid), "user_id": uid, "rule": "silent"})
    # and warnings packed (store/reports.py): PAL shares the forgotten member's bucket
    reports.bulk_save_warnings(
        table,
        CID,
        [
            Verdict(Member(CID, uid, uid), Tier.INACTIVE, 40, "silent", AT.date(), True)
            for uid in (GONE, OTHER, PAL)
        ],
        "2026-09",
    )
    held_until = int((AT + timedelta(minutes=10)).timestamp())  # as chat/confirm.py holds
    table.put(
        {
            "pk": f"C#{CID}",
            "sk": keys.confirm_sk(GONE, "123456"),
            "text": "/theme x",
            keys.TTL_ATTRIBUTE: held_until,
        }
    )
    # a settings change by the forgotten member (features/communities.py audits it)
    from chalicelib.features.communities import record_changes

    record_changes(store, CID, {"reminder_time": ("21:00", "20:30")}, by=GONE, now=AT)
    runs.claim_run(
        table, CID, "daily_reminder", "2026-10-05", AT, lease=timedelta(minutes=5), run_id="r1"
    )
    runs.record_refused(table, CID, "daily_reminder", "2026-10-05", "r1", [0, 1], at=AT)
    due.put_due(table, CID, "daily_reminder", "2026-10-06", AT + timedelta(days=1))
    # the roster sync's bookkeeping (store/roster.py): counts only, no member named
    roster.write_sync(table, CID, [], AT, next_check=0, summary={"joins": 0})
    # a leader's /remind of their squad, once a day (store/roles.py): the squad, no member
    from chalicelib.store.roles import claim_squad_reminder

    claim_squad_reminder(table, CID, "A", AT.date(), AT, "cmd-1")
    # the organiser's pages: a sign-in link for the member
    manage.put_signin_link(table, CID, GONE, "a-token", AT)
    # the month's goal, set by the forgotten admin, and both members' progress towards it
    goals.save_goal(table, CID, "2026-10", Goal("原则", 300, "页"), GONE, AT)
    for uid, name, value in ((GONE, GONE_NAME, 120), (STAY, STAY_NAME, 40)):
        goals.record_progress(
            table,
            CID,
            "2026-10",
            uid,
            name,
            value=value,
            relative=False,
            target=300,
            delivery=f"console#{uid}",
            at=AT,
        )
    # the duty rota: a week the forgotten member served, a week of another member's with a
    # swap asked of them, and both members' offers to volunteer
    from chalicelib.store import rota

    rota.put_duty(table, CID, "2026-W40", GONE, GONE_NAME, volunteer=True, at=AT)
    rota.put_duty(table, CID, "2026-W41", STAY, STAY_NAME, volunteer=False, at=AT)
    rota.ask_swap(table, CID, "2026-W41", STAY, GONE, GONE_NAME, AT)
    for uid, name in ((GONE, GONE_NAME), (STAY, STAY_NAME)):
        rota.add_volunteer(table, CID, "2026-W42", uid, name, AT)
    # the joining ritual: the forgotten member's welcome, claimed by their join event
    from chalicelib.store.ritual import claim_welcome

    claim_welcome(table, CID, GONE, AT.date(), "join:console#e1", AT)
    # a session the forgotten member spoke at, and both members' attendance of it
    from chalicelib.store import sessions as session_store

    session_store.sign_up(table, CID, "friday", AT.date(), GONE, GONE_NAME, "时区", AT)
    for uid, name in ((GONE, GONE_NAME), (STAY, STAY_NAME)):
        session_store.record_attendance(table, CID, "friday", AT.date(), uid, name, AT)
    # an announcement's text (features/announcements.py): the group's, no member named
    table.put({"pk": f"C#{CID}", "sk": keys.announcement_sk("a0000001"), "text": "分享会"})
    return store


def _prefixes_in(table: MemoryTable) -> set[str]:
    found = set()
    for item in table.all_items():
        if item["pk"] != keys.community_pk(CID):
            continue
        matches = [p for p in keys.PARTITION_PREFIXES if item["sk"].startswith(p)]
        found.add(max(matches, key=len) if matches else item["sk"])
    return found


def test_every_kind_of_the_partition_is_classified_and_written_by_the_fixture():
    """A new kind of item (a new *_PREFIX in keys.py) must be classified as a partition kind
    (and so be found by forget and delete), and this test's community must hold one."""
    constants = {
        n for n in dir(keys) if n.endswith("_PREFIX") and isinstance(getattr(keys, n), str)
    }
    partition = {getattr(keys, n) for n in constants - NOT_IN_A_COMMUNITY}
    assert partition == set(keys.PARTITION_PREFIXES)
    table = MemoryTable()
    populate(table)
    assert _prefixes_in(table) == set(keys.PARTITION_PREFIXES) | {keys.META}


# Every key builder of keys.py, and the kind of item it makes: a partition kind (its prefix),
# or where the item lives outside a community's partition and why forget/delete leave it.
BUILDERS = {
    "community_pk": "the partition itself",
    "chat_pk": "a chat's binding: released by community delete",
    "event_pk": "a delivery id or a deferred reply: expires in 2 or 5 days",
    "signature_pk": "a signature seen: no member, expires",
    "due_index_pk": "the due index (GSI) key of a DUE# item",
    "community_kind_sk": "the kind index (GSI) key of META",
    "member_sk": keys.MEMBER_PREFIX,
    "checkin_sk": keys.CHECKIN_PREFIX,
    "makeup_quota_sk": keys.MAKEUP_PREFIX,
    "run_sk": keys.RUN_PREFIX,
    "run_refused_sk": keys.RUN_REFUSED_PREFIX,
    "due_item_sk": keys.DUE_ITEM_PREFIX,
    "submission_sk": keys.SUBMISSION_PREFIX,
    "submission_history_sk": keys.SUBMISSION_HISTORY_PREFIX,
    "review_sk": keys.REVIEW_PREFIX,
    "assignment_sk": keys.ASSIGNMENT_PREFIX,
    "assignment_bucket_sk": keys.ASSIGNMENT_BUCKET_PREFIX,
    "strike_sk": keys.STRIKE_PREFIX,
    "strike_bucket_sk": keys.STRIKE_PREFIX,
    "counters_bucket_sk": keys.HOMEWORK_COUNTERS_BUCKET_PREFIX,
    "cycle_close_sk": keys.CYCLE_CLOSE_PREFIX,
    "report_sk": keys.REPORT_PREFIX,
    "report_rows_sk": keys.REPORT_ROWS_PREFIX,
    "removal_sk": keys.REMOVAL_PREFIX,
    "role_change_sk": keys.ROLE_CHANGE_PREFIX,
    "position_change_sk": keys.ROLE_CHANGE_PREFIX,
    "stars_sk": keys.STAR_PREFIX,
    "hand_award_sk": keys.STAR_PREFIX,
    "homework_counters_sk": keys.HOMEWORK_COUNTERS_PREFIX,
    "warning_sk": keys.WARNING_PREFIX,
    "warning_bucket_sk": keys.WARNING_BUCKET_PREFIX,
    "member_warning_bucket_sk": keys.WARNING_BUCKET_PREFIX,
    "confirm_sk": keys.CONFIRM_PREFIX,
    "invite_code_sk": "an invite code (its hash) in the INVITE partition: names no member",
    "invite_allow_sk": "a workspace allowed to /setup, in the INVITE partition: no member",
    "signin_sk": keys.SIGNIN_PREFIX,
    "audit_sk": keys.AUDIT_PREFIX,
    "goal_sk": keys.GOAL_PREFIX,
    "goal_progress_sk": keys.GOAL_PREFIX,
    "squad_reminded_sk": keys.SQUAD_REMINDED_PREFIX,
    "rota_sk": keys.ROTA_PREFIX,
    "rota_volunteer_sk": keys.ROTA_VOLUNTEER_PREFIX,
    "welcome_sk": keys.WELCOME_PREFIX,
    "session_instance_sk": keys.SESSION_PREFIX,
    "session_attendance_sk": keys.SESSION_PREFIX,
    "announcement_sk": keys.ANNOUNCEMENT_PREFIX,
}


def test_every_key_builder_is_a_known_kind():
    """A new *_sk or *_pk builder in keys.py fails here until it is classified above (and, for
    a partition kind, given a prefix in keys.PARTITION_PREFIXES that forget and delete use)."""
    import inspect

    builders = {
        name
        for name, f in vars(keys).items()
        if inspect.isfunction(f) and (name.endswith("_sk") or name.endswith("_pk"))
    }
    assert builders == set(BUILDERS)
    samples = {"date": date(2026, 1, 2), "int": 1}
    for name, kind in BUILDERS.items():
        if kind not in keys.PARTITION_PREFIXES:
            continue
        params = inspect.signature(getattr(keys, name)).parameters.values()
        built = getattr(keys, name)(*(samples.get(str(p.annotation), "x") for p in params))
        longest = max((p for p in keys.PARTITION_PREFIXES if built.startswith(p)), key=len)
        assert longest == kind, name


def _mentions(item: dict, *needles: str) -> bool:
    text = json.dumps(item, ensure_ascii=False)
    return any(n in text for n in needles)


def test_forgetting_leaves_no_item_that_carries_the_member():
    table = MemoryTable()
    store = populate(table)
    before = table.all_items()
    done = personal_data.forget_member(store, CID, GONE)
    after = table.all_items()
    left = [i for i in after if _mentions(i, GONE, GONE_NAME)]
    assert left == []
    assert done.erased.deleted == {
        "member": 1,
        "checkins": 1,
        "makeup_quotas": 1,
        "submissions": 1,
        "submission_versions": 1,
        "reviews": 2,
        "review_assignments": 1,
        "strikes": 2,  # the older record, and their entry in C0002's strike bucket
        "homework_counters": 2,  # the older item, and their entry in their counters bucket
        "warnings": 2,  # the older item, and their entry in their warnings bucket
        "held_commands": 1,
        "role_changes": 1,  # the change to their own role
        "signin_links": 1,
        "goals": 1,  # their progress towards the month's goal
        "rota_volunteers": 1,  # their offer to serve
        "welcomes": 1,  # their welcome's claim (the joining ritual)
        "sessions": 1,  # their attendance of a session
    }
    assert done.erased.relabelled == {
        "checkins": 1,  # Bob's make-up, recorded by the forgotten admin
        "review_assignments": 2,  # the bucket where they review Bob, the older item
        "digests": 1,
        "reports": 1,
        "report_rows": 1,
        "removals": 2,
        "settings_changes": 1,  # who changed a setting: the label now
        "role_changes": 1,  # Carol's, made by the forgotten owner
        "stars": 3,  # the month's stars, an award to them and one they gave
        "goals": 1,  # the goal they set: kept, without their id
        "rota_duties": 2,  # the week they served, and the swap asked of them
        "sessions": 1,  # the session they spoke at: kept, without their id
    }
    # the others' data is intact, and the report keeps its counts
    assert store.get_member(CID, STAY).name == STAY_NAME
    assert homework.submissions_of(table, CID, "C0001")[0]["user_id"] == STAY
    report = reports.load_report(table, CID, "2026-09")
    assert len(report.rows) == 3 and report.summary.counts == {"active": 2, "inactive": 1}
    label = report.rows[0].user_id
    assert label.startswith("forgotten-") and report.rows[0].name == "已删除的成员"
    assert report.summary.lists["candidates"].names[0] == Named(label, "已删除的成员", "silent")
    assert report.summary.confirmed_by == label
    assert len(reports.removals(table, CID)) == 2
    assert goals.month_progress(table, CID, "2026-10").progress == {STAY: 40}
    assert goals.month_progress(table, CID, "2026-10").goal == Goal("原则", 300, "页")
    assert len(after) == len(before) - 18  # 18 deleted, relabelled items stay in place
    assert table.get(f"C#{CID}", keys.homework_counters_sk(OTHER)) is not None
    assert table.get(f"C#{CID}", keys.warning_sk(OTHER)) is not None
    assert set(reports.warnings_of(table, CID)) == {OTHER, PAL}  # their entries stay
    # packed items keep everyone else's entries: the buckets PAL shares with them, OTHER's
    assert homework.struck_in(table, CID, "C0002") == {OTHER, PAL}
    recorded, _cleared = homework.recorded_counters(table, CID)
    assert set(recorded) == {OTHER, PAL} and recorded[PAL] == Counters(
        2, 2, "C0002", True, AT.date()
    )


def test_the_members_entries_in_packed_items_are_in_their_data_and_erased_by_remove():
    """/mydata lists their entry of each packed item (not the others'); forgetting removes
    exactly that entry, conditionally (one UpdateItem each), and the items stay."""
    table = MemoryTable()
    store = populate(table)
    found = erasure.member_items(table, CID, GONE)
    kinds = ("strikes", "homework_counters", "warnings")
    packed = [i for kind in kinds for i in found[kind] if "$" in i["sk"]]
    assert {
        i["sk"]: i.get("strikes") or i.get("counters") or i.get("warnings") for i in packed
    } == {
        keys.strike_bucket_sk("C0002", 16): {GONE: 2},
        keys.counters_bucket_sk(16): {
            GONE: {"s": 2, "r": 2, "t": "C0002", "k": True, "a": "2026-10-05"}
        },
        keys.warning_bucket_sk(16): {
            GONE: {"rule": "silent", "at": "2026-10-05", "month": "2026-09"}
        },
    }
    assert not _mentions(packed, PAL)
    table.requests.clear()
    personal_data.forget_member(store, CID, GONE)
    assert table.requests["UpdateItem"] == 1 + 3  # the member's label, then the three entries
    for sk in (
        keys.strike_bucket_sk("C0002", 16),
        keys.counters_bucket_sk(16),
        keys.warning_bucket_sk(16),
    ):
        item = table.get(f"C#{CID}", sk)
        assert item is not None and not _mentions(item, GONE) and _mentions(item, PAL)


def test_forgetting_is_idempotent_and_an_unknown_member_changes_nothing():
    table = MemoryTable()
    store = populate(table)
    personal_data.forget_member(store, CID, GONE)
    before = table.all_items()
    with pytest.raises(NotFound, match="unknown member 'u-zelda-7'"):
        personal_data.forget_member(store, CID, GONE)
    with pytest.raises(NotFound, match="unknown community"):
        personal_data.forget_member(store, "cnope", STAY)
    assert table.all_items() == before


class _Interrupted(RuntimeError):
    pass


class _FailingAfter(MemoryTable):
    """Fails the n-th batch delete: a forgetting or purge interrupted half-way."""

    def __init__(self, fail_at: int) -> None:
        super().__init__()
        self.fail_at = fail_at

    def batch_delete(self, keys_):
        self.fail_at -= 1
        if self.fail_at == 0:
            raise _Interrupted("lost the connection")
        return super().batch_delete(keys_)


def test_an_interrupted_forgetting_is_finished_by_running_it_again():
    table = _FailingAfter(fail_at=1)
    store = populate(table)
    with pytest.raises(_Interrupted):
        personal_data.forget_member(store, CID, GONE)
    assert store.get_member(CID, GONE) is not None  # the member item goes last
    label = table.get(keys.community_pk(CID), keys.member_sk(GONE))[erasure.LABEL_ATTRIBUTE]
    personal_data.forget_member(store, CID, GONE)
    assert [i for i in table.all_items() if _mentions(i, GONE, GONE_NAME)] == []
    # the rerun used the same label: one removal row each, not a copy per attempt
    assert len(reports.removals(table, CID)) == 2
    assert reports.load_report(table, CID, "2026-09").rows[0].user_id == label


def test_forgetting_reads_by_query_and_writes_in_batches():
    table = MemoryTable()
    store = populate(table)
    table.requests.clear()
    personal_data.forget_member(store, CID, GONE)
    assert "Scan" not in table.requests
    # one Query per kind, one for the held commands, one for the sign-in links, one for
    # the welcome claims, one BatchGetItem for the state items
    assert table.requests["Query"] == len(keys.PERSONAL_PREFIXES) + 3
    assert table.requests["BatchGetItem"] == 1
    assert table.requests["BatchWriteItem"] == 1  # 8 items deleted: one request


def test_deleting_a_community_needs_its_name_and_then_leaves_nothing():
    table = MemoryTable()
    store = populate(table)
    before = table.all_items()
    with pytest.raises(personal_data.WrongConfirmation, match="nothing deleted"):
        personal_data.delete_community(store, CID, "晨读")
    assert table.all_items() == before
    done = personal_data.delete_community(store, CID, "晨读营")
    assert table.all_items() == []  # the chat bindings, the partition, the due pointer
    assert list(due.due_by(table, AT + timedelta(days=30))) == []
    assert done.released == ("console chat room-1", "console chat admins-1")
    assert done.erased.deleted["community"] == 1 and done.erased.deleted["checkins"] == 3
    with pytest.raises(NotFound):
        personal_data.delete_community(store, CID, "晨读营")


def test_an_interrupted_community_deletion_is_finished_by_running_it_again():
    table = _FailingAfter(fail_at=2)
    store = populate(table)
    with pytest.raises(_Interrupted):
        personal_data.delete_community(store, CID, "晨读营")
    assert store.get_community(CID).name == "晨读营"  # META goes last
    personal_data.delete_community(store, CID, "晨读营")
    assert table.all_items() == []


def test_every_retained_kind_is_written_with_its_expiry():
    """TTL at write time: no kind of keys.RETAINED_PREFIXES waits for the backfill."""
    table = MemoryTable()
    populate(table)
    written = {erasure.kind_of(i["sk"]) for i in table.all_items()}
    retained = {erasure.kind_of(p) for p in keys.RETAINED_PREFIXES}
    assert retained <= written, retained - written
    missing = sorted(
        i["sk"]
        for i in table.all_items()
        if i["sk"].startswith(keys.RETAINED_PREFIXES) and keys.TTL_ATTRIBUTE not in i
    )
    assert missing == []
    pk = keys.community_pk(CID)
    checkin = table.get(pk, keys.checkin_sk(date(2026, 10, 5), GONE))
    assert checkin[keys.TTL_ATTRIBUTE] == int((AT + retention.RETENTION).timestamp())
    quota = table.get(pk, keys.makeup_quota_sk("2026-10", GONE))
    november = datetime(2026, 11, 1, tzinfo=UTC)
    assert quota[keys.TTL_ATTRIBUTE] == int((november + retention.RETENTION).timestamp())


def test_new_checkins_and_runs_expire_and_backfill_gives_the_rest_an_expiry():
    table = MemoryTable()
    populate(table)
    pk = keys.community_pk(CID)
    run = table.get(pk, keys.run_sk("daily_reminder", "2026-10-05"))
    assert keys.TTL_ATTRIBUTE in run
    # Items written before TTLs were set at write time: the submissions and a removal.
    for item in table.all_items():
        if item["sk"].startswith((keys.SUBMISSION_PREFIX, keys.REMOVAL_PREFIX)):
            del item[keys.TTL_ATTRIBUTE]
            table.put(item)
    now = AT + timedelta(days=3)
    done = retention.backfill(table, CID, now)
    assert done["set"]["submissions"] == 2 and done["already"]["checkins"] == 3
    for item in table.all_items():
        kind = erasure.kind_of(item["sk"])
        state = (
            "member",
            "community",
            "schedules",
            "homework_counters",
            "warnings",
            "strikes",
            "roster_sync",
            "announcements",  # the group's, deleted when cancelled or past
        )
        if item["pk"] == pk and kind not in state:
            assert keys.TTL_ATTRIBUTE in item, item["sk"]
        else:
            assert keys.TTL_ATTRIBUTE not in item, item["sk"]
    removal = reports.removals(table, CID)[0]
    assert removal[keys.TTL_ATTRIBUTE] == int((AT + retention.RETENTION).timestamp())
    again = retention.backfill(table, CID, now)
    assert again["set"] == {}


class _WritesDuringPurge(MemoryTable):
    """A job that writes into the community while the first pass deletes."""

    def __init__(self) -> None:
        super().__init__()
        self.armed = False

    def batch_delete(self, keys_):
        if self.armed:
            self.armed = False
            self.put({"pk": keys.community_pk(CID), "sk": keys.run_sk("late", "p"), "x": 1})
        return super().batch_delete(keys_)


def test_a_write_during_the_purge_is_caught_before_the_community_goes():
    table = _WritesDuringPurge()
    store = populate(table)
    table.armed = True
    personal_data.delete_community(store, CID, "晨读营")
    assert table.all_items() == []


def test_the_preview_of_a_forgetting_counts_what_it_then_does_and_writes_nothing():
    """The owner's /forget @x shows erasure.preview_forget before the confirmation: the
    same counts by kind as the erasure that follows, and the table untouched."""
    table = MemoryTable()
    store = populate(table)
    before = table.all_items()
    preview = erasure.preview_forget(table, CID, GONE)
    assert preview is not None and table.all_items() == before
    done = personal_data.forget_member(store, CID, GONE)
    assert dict(preview.deleted) == dict(done.erased.deleted)
    assert dict(preview.relabelled) == dict(done.erased.relabelled)
    assert erasure.preview_forget(table, CID, GONE) is None


def test_a_packed_assignment_bucket_loses_the_members_entry_and_exports_only_theirs():
    """Who reviews their work is theirs (erased; a bucket left empty goes); where they review
    others they are relabelled; their export lists only the entries naming them."""
    table = MemoryTable()
    store = populate(table)
    pk = keys.community_pk(CID)
    bucket = keys.assignment_bucket_sk("C0001", False, keys.assignment_bucket(STAY))
    exported = erasure.member_items(table, CID, GONE)["review_assignments"]
    packed = [i for i in exported if i["sk"].startswith(keys.ASSIGNMENT_BUCKET_PREFIX)]
    assert {s: i["reviewers"] for s, i in ((i["sk"], i) for i in packed)} == {
        keys.assignment_bucket_sk("C0001", False, keys.assignment_bucket(GONE)): {GONE: [STAY]},
        bucket: {STAY: [GONE, OTHER]},  # not Carol's entry, which does not name them
    }
    personal_data.forget_member(store, CID, GONE)
    assert keys.assignment_bucket(GONE) != keys.assignment_bucket(STAY)
    gone_bucket = keys.assignment_bucket_sk("C0001", False, keys.assignment_bucket(GONE))
    assert table.get(pk, gone_bucket) is None
    left = table.get(pk, bucket)["reviewers"]
    assert left[OTHER] == [STAY] and left[STAY][1] == OTHER
    assert left[STAY][0].startswith("forgotten-")
    assert homework.assignments_of(table, CID, "C0001") == left
