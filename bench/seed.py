"""Realistic communities for the benchmark, written straight onto the wire.

One community per table (so a naive Scan reads that community's items and nothing else,
which flatters the naive design: in production it would read every community's). What is
in it, by member profile:

============  ================  ==================  ===================  =====================
profile       share (≤10,000 /  daily check-in      homework handed in   last active
              100,000 members)
============  ================  ==================  ===================  =====================
regular       35 % / 5 %        85 % of days        90 % of cycles       0-1 days ago
sometimes     25 % / 10 %       30 % of days        50 % of cycles       0-10 days ago
lurker        40 % / 85 %       never               never                12-150 days ago
============  ================  ==================  ===================  =====================

plus an owner and one admin per 200 members, squads of 8, 2 % on leave, 2 % new (in their
grace days), 2 % opted out of mentions, 3 % left. Every day of November 2026 has its
check-ins (with the run, the previous date, the delivery id and, one in four, a note), each
weekly cycle from 2 November its submissions (links, one in five a pasted text) and strike
records, cycle 2 its review assignments, reviews (60 % done) and close record, and October
its monthly report (rows packed as the job packs them) with the warnings it gave.

Items are built as plain values (the shapes the store writes) and sent 25 to a
BatchWriteItem through the low-level client: seeding 100,000 members this way takes about
a minute on moto in-process, where going through the store would take several.
"""

from __future__ import annotations

import dataclasses
import random
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from chalicelib.domain.homework import cycles_of, deadline_date
from chalicelib.domain.inactivity import Rate, compile_report
from chalicelib.domain.models import Community, Member, Role
from chalicelib.domain.review_assignment import Person, assign_reviewers
from chalicelib.store import keys
from chalicelib.store.homework import ASSIGNMENT_BUCKET_MAX_BYTES, assignment_items
from chalicelib.store.records import to_fields

SHANGHAI = ZoneInfo("Asia/Shanghai")
ANCHOR = date(2026, 11, 2)  # a Monday: cycle n is ANCHOR + 7(n-1) .. +6
MONTH_FIRST, MONTH_LAST = date(2026, 11, 1), date(2026, 11, 30)
# The daily reminder: Monday 23 November, 21:00 in Shanghai.
REMINDER_DAY = date(2026, 11, 23)
REMINDER_AT = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)
# The weekly digest of cycle 3 (16-22 November): its deadline (Sunday 23:59) plus an hour.
DIGEST_CYCLE, DIGEST_PREVIOUS = "C0003", "C0002"
DIGEST_AT = datetime(2026, 11, 22, 16, 59, tzinfo=UTC)
# The monthly report on November: 1 December, 10:00 in Shanghai.
REPORT_MONTH, PREVIOUS_MONTH = "2026-11", "2026-10"
REPORT_AT = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
CYCLES = ("C0001", "C0002", "C0003", "C0004")  # the weekly cycles that close in November

NOTES = ("今天读完一章", "跑步5公里", "背了30个单词", "写了800字", "复盘了本周计划", "练琴半小时")
PROFILES = ("regular", "sometimes", "lurker")
CHECKIN_P = {"regular": 0.85, "sometimes": 0.3, "lurker": 0.0}
HOMEWORK_P = {"regular": 0.9, "sometimes": 0.5, "lurker": 0.0}
REVIEW_P = {"regular": 0.8, "sometimes": 0.4, "lurker": 0.0}


def profile_weights(size: int) -> tuple[float, float, float]:
    """A study group of hundreds or thousands is mostly engaged; a 100,000-member group is
    mostly lurkers (what large Telegram and WeChat groups look like)."""
    return (0.05, 0.10, 0.85) if size >= 100_000 else (0.35, 0.25, 0.40)


# -- the wire ---------------------------------------------------------------------------------


def wire_value(value: Any) -> dict[str, Any]:
    """A plain value as DynamoDB JSON (what the store's serializer would send)."""
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, int | float):
        return {"N": repr(value) if isinstance(value, float) else str(value)}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, list | tuple):
        return {"L": [wire_value(v) for v in value]}
    if isinstance(value, dict):
        return {"M": {k: wire_value(v) for k, v in value.items() if v is not None}}
    raise TypeError(f"cannot store {type(value).__name__}")


def wire(item: dict[str, Any]) -> dict[str, Any]:
    return {k: wire_value(v) for k, v in item.items() if v is not None}


def batch_write(client: Any, table: str, items: Iterable[dict[str, Any]]) -> int:
    """Plain items, 25 to a BatchWriteItem, unprocessed ones sent again."""
    written = 0
    chunk: list[dict[str, Any]] = []

    def flush() -> None:
        pending = {table: chunk}
        while pending:
            pending = client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}

    for item in items:
        chunk.append({"PutRequest": {"Item": wire(item)}})
        written += 1
        if len(chunk) == 25:
            flush()
            chunk = []
    if chunk:
        flush()
    return written


# -- the community ----------------------------------------------------------------------------


@dataclass
class World:
    """What was seeded, for the jobs' expectations and the minimum's accounting."""

    community: Community
    members: list[Member]
    profiles: dict[str, str]
    items: Counter[str] = field(default_factory=Counter)

    @property
    def size(self) -> int:
        return len(self.members)


def make_community(cid: str) -> Community:
    return Community(
        id=cid,
        name=f"读书打卡营 {cid}",
        platform="console",
        chat_id=f"chat-{cid}",
        timezone="Asia/Shanghai",
        locale="zh-CN",
        created_at=datetime(2026, 1, 5, tzinfo=UTC),
        cycle_anchor=ANCHOR,
        admin_chat_id=f"admins-{cid}",
    )


def on_leave(member: Member, day: date) -> bool:
    start = member.leave_from or day
    return member.leave_until is not None and start <= day <= member.leave_until


def missed_in_a_row(profile: str, rng: random.Random) -> int:
    if profile == "regular":
        return 0
    return rng.randint(0, 1) if profile == "sometimes" else rng.randint(1, 3)


def make_members(cid: str, size: int, rng: random.Random) -> tuple[list[Member], dict[str, str]]:
    weights = profile_weights(size)
    members: list[Member] = []
    profiles: dict[str, str] = {}
    admins = max(1, size // 200)
    for n in range(size):
        uid = f"u{n:06d}"
        profile = rng.choices(PROFILES, weights)[0]
        profiles[uid] = profile
        role = Role.OWNER if n == 0 else Role.ADMIN if n <= admins else Role.MEMBER
        roll = rng.random()
        joined = MONTH_LAST - timedelta(days=rng.randint(40, 400))
        leave_from = leave_until = None
        if roll < 0.02:
            joined = REMINDER_DAY - timedelta(days=rng.randint(0, 1))  # new: in grace
        elif roll < 0.04:
            leave_from = REMINDER_DAY - timedelta(days=rng.randint(1, 5))
            leave_until = REMINDER_DAY + timedelta(days=rng.randint(1, 9))
        ago = {"regular": (0, 1), "sometimes": (0, 10), "lurker": (12, 150)}[profile]
        last_active = MONTH_LAST - timedelta(days=rng.randint(*ago))
        streak = rng.randint(1, 40) if profile == "regular" else rng.randint(0, 3)
        members.append(
            Member(
                community_id=cid,
                user_id=uid,
                name=f"成员{n:06d}" if n % 3 else f"Reader {n}",
                role=role,
                squad=f"S{n // 8:05d}",
                username=f"reader_{n}" if n % 2 else None,
                joined_at=joined,
                last_active=last_active,
                leave_from=leave_from,
                leave_until=leave_until,
                status="left" if 0.04 <= roll < 0.07 else "active",
                quiet=0.07 <= roll < 0.09,
                checkins=streak + rng.randint(0, 200),
                current_streak=streak if profile != "lurker" else 0,
                best_streak=streak + rng.randint(0, 30),
                last_checkin=MONTH_FIRST - timedelta(days=1) if profile != "lurker" else None,
                strikes={"regular": 0, "sometimes": 1, "lurker": 3}[profile],
                missed_in_a_row=missed_in_a_row(profile, rng),
                points=rng.randint(0, 500),
            )
        )
    return members, profiles


def _checkins(
    cid: str, members: list[Member], profiles: dict[str, str], days: list[date], rng: random.Random
) -> Iterator[dict[str, Any]]:
    """Check-in items as record_checkin writes them, with each member's run and previous
    date kept as the days go by."""
    pk = keys.community_pk(cid)
    run: dict[str, tuple[date, int]] = {}
    for day in days:
        for m in members:
            if not m.is_present or on_leave(m, day):
                continue
            if rng.random() >= CHECKIN_P[profiles[m.user_id]]:
                continue
            last = run.get(m.user_id)
            streak = last[1] + 1 if last and last[0] == day - timedelta(days=1) else 1
            run[m.user_id] = (day, streak)
            at = datetime.combine(day, time(rng.randint(6, 23), rng.randint(0, 59)), SHANGHAI)
            yield {
                "pk": pk,
                "sk": keys.checkin_sk(day, m.user_id),
                "user_id": m.user_id,
                "date": day.isoformat(),
                "at": at.isoformat(),
                "note": rng.choice(NOTES) if rng.random() < 0.25 else None,
                "streak": streak,
                "prev": last[0].isoformat() if last else None,
                "delivery": f"console#{rng.getrandbits(48):x}",
            }


def _submission(cid: str, cycle: str, m: Member, at: datetime, rng: random.Random) -> dict:
    text = None
    chapter = rng.randint(1, 40)
    link = f"https://blog.example.com/{m.user_id}/{cycle.lower()}/notes-on-chapter-{chapter}"
    if rng.random() < 0.2:
        link, text = None, "本周读书笔记：" + "学习与坚持。" * rng.randint(10, 30)
    return {
        "pk": keys.community_pk(cid),
        "sk": keys.submission_sk(cycle, m.user_id),
        "kind": "submission",
        "cycle": cycle,
        "user_id": m.user_id,
        "name": m.display(),
        "link": link,
        "text": text,
        "submitted_at": at.isoformat(),
        "late": rng.random() < 0.05,
        "versions": 1,
    }


def seed(
    client: Any,
    table: str,
    cid: str,
    size: int,
    *,
    seed: int = 1,
    jobs: Iterable[str] = ("daily-reminder", "weekly-digest", "monthly-report"),
    naive_report_rows: bool = False,
) -> World:
    """Seed one community of ``size`` members with what ``jobs`` read. The same ``seed``
    gives the same data, so ours and the naive design run on identical tables.
    ``naive_report_rows`` stores last month's report one item per member, as the naive
    design would have written it."""
    rng = random.Random(seed)
    jobs = set(jobs)
    community = make_community(cid)
    members, profiles = make_members(cid, size, rng)
    world = World(community, members, profiles)
    cycles = cycles_of(community)
    assert cycles is not None
    pk = keys.community_pk(cid)
    meta = {
        "pk": pk,
        "sk": keys.META,
        "kind_pk": keys.COMMUNITY_KIND,
        "kind_sk": keys.community_kind_sk(community.created_at.isoformat(), cid),  # type: ignore[union-attr]
        **to_fields(community),
    }
    binding = {
        "pk": keys.chat_pk("console", community.chat_id),
        "sk": keys.META,
        "community_id": cid,
        "platform": "console",
        "chat_id": community.chat_id,
    }
    # Last month's report and the warnings it gave (pure: compile_report, then packed rows).
    october = _october_report(community, members, rng)
    warned = {v.member.user_id: v for v in october.verdicts if v.warned_rule}
    members = [
        dataclasses.replace(
            m, warned_rule=warned[m.user_id].warned_rule, warned_at=warned[m.user_id].warned_at
        )
        if m.user_id in warned
        else m
        for m in members
    ]
    world.members = members
    world.items["community"] = batch_write(client, table, [meta, binding])
    world.items["members"] = batch_write(
        client,
        table,
        ({"pk": pk, "sk": keys.member_sk(m.user_id), **to_fields(m)} for m in members),
    )
    days = [MONTH_FIRST + timedelta(days=d) for d in range(30)]
    if jobs == {"daily-reminder"}:
        days = [REMINDER_DAY]
    elif "monthly-report" not in jobs:
        days = [d for d in days if date(2026, 11, 16) <= d <= REMINDER_DAY]
    world.items["checkins"] = batch_write(
        client, table, _checkins(cid, members, profiles, days, rng)
    )
    if jobs & {"weekly-digest", "monthly-report"}:
        packed: dict[str, Any] | None = None if naive_report_rows else {}  # naive: records
        world.items.update(
            _homework(client, table, world, cycles, rng, jobs, packed, naive=naive_report_rows)
        )
    if "monthly-report" in jobs:
        world.items["report"] = _store_october(client, table, october, naive_report_rows)
    return world


def _october_report(community: Community, members: list[Member], rng: random.Random) -> Any:
    """October's report as the job made it on 1 November: the members as they were then
    (whoever has been active since was last active a few days before), with the check-in
    counts they had. So members silent since October are newly warned in November's."""
    first = date(2026, 11, 1)
    then = [
        dataclasses.replace(
            m,
            last_active=m.last_active
            if m.last_active is None or m.last_active < first
            else first - timedelta(days=rng.randint(1, 4)),
        )
        for m in members
    ]
    counts = {m.user_id: rng.randint(0, 31) for m in members if m.current_streak}
    return compile_report(
        community,
        PREVIOUS_MONTH,
        then,
        as_of=date(2026, 11, 1),
        generated_at=datetime(2026, 11, 1, 2, 0, tzinfo=UTC),
        checkin_counts=counts,
        checkin_window=(date(2026, 10, 1), date(2026, 10, 31)),
        homework=Rate(len(counts) * 3, len(members) * 4),
        homework_cycles=4,
        previous=None,
        previous_tiers={},
    )


def _store_october(client: Any, table: str, report: Any, naive: bool) -> int:
    """Rows packed as store/reports.py packs them (through the store's own code), or, for
    the naive table, one item per member."""
    from chalicelib.store import reports
    from chalicelib.store.table import DynamoTable

    if not naive:
        return reports.save_report(DynamoTable(client, table), report) + 1
    pk = keys.community_pk(report.summary.community_id)
    rows = (
        {
            "pk": pk,
            "sk": f"RPN#{PREVIOUS_MONTH}#{row.user_id}",
            "user_id": row.user_id,
            "name": row.name,
            "tier": row.tier.value,
            "last_active": row.last_active.isoformat() if row.last_active else None,
            "checkins": row.checkins,
            "warned_rule": row.warned_rule,
        }
        for row in report.rows
    )
    return batch_write(client, table, rows)


def _packed_close(
    client: Any,
    table: str,
    cid: str,
    cycle: str,
    day: date,
    running: dict[str, Any],
    missed: list[Member],
    handed: list[Member],
) -> int:
    """One earlier close's strikes and counters, packed (store/homework.py), with every
    member's counters carried from close to close in ``running``: the items written."""
    from chalicelib.domain.homework import CloseWrites, Counters, StrikeChange
    from chalicelib.store.homework import record_close_writes
    from chalicelib.store.table import DynamoTable

    strikes, counters = [], {}
    for m in missed:
        before = running.get(m.user_id) or Counters(m.strikes, m.missed_in_a_row)
        strikes.append(StrikeChange(m.user_id, 1, before.missed_in_a_row + 1))
        counters[m.user_id] = Counters(
            before.strikes + 1, before.missed_in_a_row + 1, cycle, True, day
        )
    for m in handed:
        before = running.get(m.user_id) or Counters(m.strikes, m.missed_in_a_row)
        if before.missed_in_a_row:
            counters[m.user_id] = Counters(before.strikes, 0, cycle, False, day)
    at = datetime.combine(day, time(16, 59), tzinfo=UTC)
    written = record_close_writes(
        DynamoTable(client, table),
        cid,
        cycle,
        CloseWrites(tuple(strikes), counters),
        at,
        recorded=dict(running),
        strike_buckets=(),
    )
    running.update(counters)
    return written


def _homework(
    client: Any,
    table: str,
    world: World,
    cycles: Any,
    rng: random.Random,
    jobs: set[str],
    packed: dict[str, Any] | None = None,
    naive: bool = False,
) -> Counter[str]:
    """Submissions of every November cycle; strikes of those already closed by a digest
    (all but cycle 3, whose digest the benchmark runs, unless it does not), packed as the
    digest writes them (``packed``: the running counters), or one record per strike (the
    naive design's table); cycle 2's assignments, reviews and close record."""
    cid = world.community.id
    pk = keys.community_pk(cid)
    written: Counter[str] = Counter()
    handed: dict[str, list[Member]] = {}
    present = [m for m in world.members if m.is_present]
    for n, cycle in enumerate(CYCLES, 1):
        due = cycles.deadline(n)
        if cycle == "C0004" and "monthly-report" not in jobs:
            break
        subs = [m for m in present if rng.random() < HOMEWORK_P[world.profiles[m.user_id]]]
        handed[cycle] = subs
        written["submissions"] += batch_write(
            client,
            table,
            (
                _submission(cid, cycle, m, due - timedelta(hours=rng.randint(1, 140)), rng)
                for m in subs
            ),
        )
        if cycle == DIGEST_CYCLE and "weekly-digest" in jobs:
            continue
        done = {m.user_id for m in subs}
        day = deadline_date(cycles, n)
        missed = [m for m in present if m.user_id not in done and not on_leave(m, day)]
        if packed is not None:  # as the digest writes them now: buckets, through its code
            written["strikes"] += _packed_close(
                client, table, cid, cycle, day, packed, missed, subs
            )
            continue
        written["strikes"] += batch_write(
            client,
            table,
            (
                {
                    "pk": pk,
                    "sk": keys.strike_sk(cycle, m.user_id),
                    "kind": "strike",
                    "cycle": cycle,
                    "user_id": m.user_id,
                    "in_a_row": m.missed_in_a_row or 1,
                    "at": (due + timedelta(hours=1)).isoformat(),
                }
                for m in missed
            ),
        )
    if "weekly-digest" not in jobs:
        return written
    previous = handed[DIGEST_PREVIOUS]
    squads = {m.user_id: m.squad for m in present}
    assignment = assign_reviewers(
        [Person(m.user_id, squads[m.user_id]) for m in previous],
        [Person(m.user_id, m.squad, submitted=True) for m in previous],
        world.community.reviewers_per_submission,
        seed=f"{cid}#{DIGEST_PREVIOUS}",
    )
    assigned_at = cycles.deadline(2) + timedelta(hours=1)
    # Packed as the digest packs them (store/homework.py), without a TTL as seeded items are;
    # the naive design's table one item per reviewee (max_bytes=0: every entry spills).
    largest = 0 if naive else ASSIGNMENT_BUCKET_MAX_BYTES
    items = assignment_items(cid, DIGEST_PREVIOUS, assignment, assigned_at, max_bytes=largest)
    written["assignments"] = batch_write(
        client, table, ({k: v for k, v in i.items() if k != keys.TTL_ATTRIBUTE} for i in items)
    )
    reviews = []
    for reviewee, reviewers in assignment.items():
        for reviewer in reviewers:
            if rng.random() < REVIEW_P[world.profiles[reviewer]] * 0.75:
                at = (assigned_at + timedelta(hours=rng.randint(2, 120))).isoformat()
                reviews.append(
                    {
                        "pk": pk,
                        "sk": keys.review_sk(DIGEST_PREVIOUS, reviewee, reviewer),
                        "kind": "review",
                        "cycle": DIGEST_PREVIOUS,
                        "reviewee": reviewee,
                        "reviewer": reviewer,
                        "text": "写得很清楚，第二段的例子特别好，建议再补充一点自己的思考。",
                        "score": rng.randint(3, 5),
                        "at": at,
                        "assigned": True,
                        "first_at": at,
                    }
                )
    written["reviews"] = batch_write(client, table, reviews)
    written["closes"] = batch_write(
        client,
        table,
        [
            {
                "pk": pk,
                "sk": keys.cycle_close_sk(DIGEST_PREVIOUS),
                "kind": "cycle-close",
                "cycle": DIGEST_PREVIOUS,
                "shown": sorted(m.user_id for m in previous),
                "closed_at": assigned_at.isoformat(),
            }
        ],
    )
    return written
