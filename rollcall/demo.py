"""``rollcall demo``: a ~30-member community lived through for five weeks, for real.

Everything goes through the production paths: members' messages are signed console
webhooks posted to ``POST /webhooks/console`` through the Chalice app, jobs run through the
same runner the scheduler uses, state lives in DynamoDB on the embedded endpoint. Only time
is simulated: every request carries its own instant. Deterministic for a given ``--seed``.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from datetime import time as wall_time
from typing import Any

import click

from chalicelib.clock import FixedClock
from chalicelib.config import Settings
from chalicelib.domain.models import JOBS, Community, Role
from chalicelib.platforms.console import SentMessage, sign

CHAT_ID = "demo-chat"
START = date(2026, 9, 28)  # a Monday; five weeks take the demo past a month's end

NAMES_ZH = [
    "王芳",
    "李娜",
    "张伟",
    "刘洋",
    "陈静",
    "杨帆",
    "赵磊",
    "黄敏",
    "周杰",
    "吴倩",
    "徐晨",
    "孙悦",
    "胡斌",
    "朱琳",
    "高远",
    "林小雨",
    "何平",
    "郭佳",
    "马超",
    "罗兰",
    "梁爽",
    "宋雨",
    "郑凯",
    "谢婷",
    "韩梅",
    "唐宁",
    "冯涛",
    "于洁",
    "董浩",
    "萧然",
]
THEMES_ZH = ["每天读书 30 分钟", "早起不赖床", "每天写 300 字", "运动 20 分钟", "整理一个知识点"]
THEMES_EN = [
    "Read 30 minutes a day",
    "Early to rise",
    "Write 300 words",
    "Move 20 minutes",
    "Tidy one idea",
]
NOTES_ZH = ["读完第三章", "今天状态不错", "早起成功", "笔记已整理", "坚持！"]
NOTES_EN = ["finished chapter 3", "good day", "up early", "notes done", "keep going!"]

NAMES_EN = [
    "Ava",
    "Ben",
    "Chloe",
    "Dan",
    "Ema",
    "Finn",
    "Grace",
    "Hugo",
    "Iris",
    "Jack",
    "Kate",
    "Leo",
    "Mia",
    "Noah",
    "Olive",
    "Paul",
    "Quinn",
    "Rosa",
    "Sam",
    "Tara",
    "Uma",
    "Vic",
    "Will",
    "Xena",
    "Yuri",
    "Zoe",
    "Amir",
    "Bea",
    "Cyd",
    "Dora",
]


@dataclass
class Persona:
    user_id: str
    name: str
    role: Role
    squad: str
    habit: str  # steady | regular | lurker | fading | late-joiner | traveller
    joins_on: date
    p_checkin: float
    leave: tuple[date, int] | None = None


@dataclass
class DemoLog:
    echo: bool
    posted: list[SentMessage] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def say(self, text: str = "") -> None:
        if self.echo:
            click.echo(text)

    def bump(self, key: str, by: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + by


def cast(rng: random.Random, locale: str) -> list[Persona]:
    """Thirty members in two squads, with the habits real communities have."""
    names = NAMES_ZH if locale == "zh-CN" else NAMES_EN
    habits = (
        ["steady"] * 9
        + ["regular"] * 10
        + ["lurker"] * 4
        + ["fading"] * 3
        + ["late-joiner"] * 2
        + ["traveller"] * 2
    )
    rng.shuffle(habits)
    people = []
    for n, name in enumerate(names):
        role = (
            Role.OWNER
            if n == 0
            else Role.ADMIN
            if n == 1
            else (Role.LEADER if n in (2, 3) else Role.MEMBER)
        )
        habit = "steady" if n < 4 else habits[n - 4] if n - 4 < len(habits) else "regular"
        p = {
            "steady": 0.93,
            "regular": 0.72,
            "lurker": 0.08,
            "fading": 0.85,
            "late-joiner": 0.8,
            "traveller": 0.8,
        }[habit]
        joins = START + timedelta(days=rng.randint(8, 12)) if habit == "late-joiner" else START
        leave = (START + timedelta(days=rng.randint(14, 17)), 5) if habit == "traveller" else None
        people.append(
            Persona(f"u{n + 1:03d}", name, role, "A" if n % 2 == 0 else "B", habit, joins, p, leave)
        )
    return people


class Chat:
    """Members talking to rollcall through the real route, each request at its instant."""

    def __init__(self, client: Any, clock: FixedClock, secret: str, log: DemoLog) -> None:
        self.client = client
        self.clock = clock
        self.secret = secret
        self.log = log
        self._ids = 0

    def post(self, at: datetime, body: dict[str, Any]) -> dict[str, Any]:
        self.clock.set(at)
        self._ids += 1
        body = {"chat_id": CHAT_ID, "message_id": f"m{self._ids}", **body}
        raw = json.dumps(body, ensure_ascii=False).encode()
        stamp = str(int(at.timestamp()))
        response = self.client.http.post(
            "/webhooks/console",
            headers={
                "Content-Type": "application/json",
                "X-Rollcall-Timestamp": stamp,
                "X-Rollcall-Signature": sign(self.secret, stamp, raw),
            },
            body=raw,
        )
        if response.status_code != 200:
            raise RuntimeError(f"webhook answered {response.status_code}: {response.body!r}")
        self.log.bump("webhooks")
        answer: dict[str, Any] = json.loads(response.body)
        return answer

    def say(self, at: datetime, who: Persona, text: str) -> list[str]:
        user = {"id": who.user_id, "name": who.name}
        answer = self.post(at, {"type": "message", "user": user, "text": text})
        return [part for parts in answer.get("replies", []) for part in parts]

    def join(self, at: datetime, who: Persona) -> None:
        self.post(at, {"type": "member_joined", "user": {"id": who.user_id, "name": who.name}})


def run_demo(
    *,
    seed: int = 7,
    weeks: int = 5,
    locale: str = "zh-CN",
    echo: bool = True,
    emit: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Run the simulation; returns a summary (also what ``--json`` prints)."""
    from chalice.test import Client

    import app as chalice_app
    from chalicelib.jobs.scheduling import schedule_community
    from chalicelib.runtime import set_runtime
    from rollcall import local
    from rollcall.runtime import build_runtime

    started = time.monotonic()
    rng = random.Random(seed)
    log = DemoLog(echo=echo)
    people = cast(rng, locale)
    secret = f"demo-{seed}"
    endpoint = None
    if local.configured_endpoint() is None:
        endpoint = local.EmbeddedEndpoint(None).start(fresh=True)
    saved_env = _point_boto3_at(endpoint.url if endpoint else None)
    try:
        settings = replace(
            Settings.from_env(), table_name=f"rollcall-demo-{seed}", console_secret=secret
        )
        runtime = build_runtime(settings, sink=log.posted.append)
        clock = FixedClock(datetime.combine(START, wall_time(8), UTC))
        runtime.clock = clock
        set_runtime(runtime)
        community = _create_community(runtime, locale)
        cal = community.calendar
        where = endpoint.url if endpoint else "your endpoint"
        log.say(_banner(community, seed, where))
        _import_roster(runtime, community, people, log)
        schedule_community(runtime.store.table, community, cal.day_start(START))
        _schedule_cohort_and_announcement(runtime, community, weeks)
        scheduler = Scheduler(runtime, community, log)
        with Client(chalice_app.app) as client:
            chat = Chat(client, clock, secret, log)
            for day in range(weeks * 7):
                today = START + timedelta(days=day)
                for at, action in sorted(
                    _plan_day(rng, people, community, today), key=lambda e: e[0]
                ):
                    scheduler.run_until(at)
                    action(chat, at)
                scheduler.run_until(cal.day_end(today))
            # After the weeks, in time order: a newcomer's ritual the next morning, then the
            # week's Friday session, then the next Monday's rota hand-over.
            _newcomer_ritual(chat, runtime, community, START + timedelta(days=weeks * 7), log)
            attended = _friday_session(runtime, community, chat, people, log, clock.now())
            _show_rota_handover(runtime, community, chat, people, log)
        summary = {
            "seed": seed,
            "community": community.id,
            "members": sum(1 for _ in runtime.store.list_members(community.id)),
            "days": weeks * 7,
            "webhook_requests": log.counts.get("webhooks", 0),
            "checkins": log.counts.get("checkins", 0),
            "reminders": log.counts.get("daily-reminder", 0),
            "jobs": {k: v for k, v in log.counts.items() if k in JOBS},
            "session_attendees": attended,
            "seconds": round(time.monotonic() - started, 1),
        }
        log.say(_footer(summary, locale))
        return summary
    finally:
        set_runtime(None)
        _restore_env(saved_env)
        if endpoint is not None:
            endpoint.stop(save=False)


def _create_community(runtime: Any, locale: str) -> Community:
    name = "晨读营" if locale == "zh-CN" else "Morning Readers"
    community = Community(
        id="demo",
        name=name,
        platform="console",
        chat_id=CHAT_ID,
        timezone="Asia/Shanghai",
        locale=locale,
        created_at=datetime.combine(START, wall_time(0), UTC),
        cycle_anchor=START,
        admin_chat_id="demo-admins",
        removal_enabled=True,
    )
    created: Community = runtime.store.create_community(community)
    return created


class Scheduler:
    """Fires the community's jobs at their due times through the same dispatcher and
    worker as ``rollcall serve`` (and, through SQS, AWS): time jumps from one due run to
    the next instead of ticking every five minutes through five weeks."""

    def __init__(self, runtime: Any, community: Community, log: DemoLog) -> None:
        from rollcall.serve import LocalQueue

        self.runtime = runtime
        self.community = community
        self.log = log
        self.queue = LocalQueue()
        self._next: datetime | None = None

    def next_due(self) -> datetime | None:
        from chalicelib.store import keys

        items = self.runtime.store.table.query(
            keys.community_pk(self.community.id), prefix=keys.due_item_sk("")
        )
        times = [datetime.fromisoformat(i["scheduled_at"]) for i in items]
        return min(times) if times else None

    def run_until(self, until: datetime) -> None:
        from rollcall.serve import tick

        # The pointers move only when a tick runs, so one Query per tick is enough.
        if self._next is None:
            self._next = self.next_due()
        while self._next is not None and self._next <= until:
            due = self._next
            self.runtime.clock.set(due)
            for result in tick(self.runtime, due, queue=self.queue):
                self.log.bump(result.job)
                _show_bot(self.log, due, self.community, result.parts, result.job)
            self._next = self.next_due()


Action = Callable[["Chat", datetime], None]


def _plan_day(
    rng: random.Random, people: list[Persona], community: Community, today: date
) -> list[tuple[datetime, Action]]:
    """The day's messages, each at its own local time, as members would send them."""
    cal = community.calendar
    zh = community.locale == "zh-CN"
    events: list[tuple[datetime, Action]] = []
    day = (today - START).days
    week = day // 7

    def at(hour: int, minute: int = 0) -> datetime:
        return cal.at_local(today, wall_time(hour, minute))

    def join(person: Persona) -> Action:
        return lambda chat, when: chat.join(when, person)

    def say(person: Persona, text: str, *, show: bool = False, checkin: bool = False) -> Action:
        def act(chat: Chat, when: datetime) -> None:
            replies = chat.say(when, person, text)
            if checkin:
                chat.log.bump("checkins")
            if show:
                _show_exchange(chat.log, when, community, person, text, replies)

        return act

    for person in people:
        if person.joins_on == today:
            events.append((at(7, rng.randint(0, 59)), join(person)))
    if today == START:
        events.append(
            (
                at(7, 59),
                lambda chat, when: chat.log.say(_joined_line(today, people, community.locale)),
            )
        )
    owner = people[0]
    if today.weekday() == 0:
        themes = THEMES_ZH if zh else THEMES_EN
        text = ("本周主题 " if zh else "/theme ") + themes[week % len(themes)]
        events.append((at(8, 0), say(owner, text, show=True)))
    shown = 0
    for person in people:
        if person.joins_on > today:
            continue
        if person.leave is not None and person.leave[0] == today:
            days = person.leave[1]
            text = f"请假 {days}" if zh else f"/leave {days}"
            events.append((at(8, 30), say(person, text, show=True)))
        if _on_leave(person, today):
            continue
        p = person.p_checkin
        if person.habit == "fading" and week >= 2:
            p = 0.05 if week == 2 else 0.0
        if rng.random() >= p:
            if person.habit == "steady" and day % 9 == 4:
                # A steady member who forgot yesterday makes it up the next morning.
                text = ("补卡 " if zh else "/makeup ") + today.isoformat()
                events.append((at(9, 15) + timedelta(days=1), say(person, text, show=True)))
            continue
        minute = rng.randint(6 * 60, 23 * 60 + 30)
        notes = NOTES_ZH if zh else NOTES_EN
        note = rng.choice(notes) if rng.random() < 0.3 else ""
        text = (("打卡 " if zh else "/checkin ") + note).strip()
        show = day == 0 and shown < 3
        shown += show
        events.append((at(minute // 60, minute % 60), say(person, text, show=show, checkin=True)))
        if person.habit == "lurker":
            events.append((at(12, 5), say(person, "大家好" if zh else "hi all")))
    events += _homework_events(rng, people, community, today, say)
    events += _goal_events(people, community, today, say)
    if day % 7 == 2:
        asker = people[2 + week % 5]
        events.append((at(22, 10), say(asker, "我的" if zh else "/me", show=True)))
    if today.weekday() == 6:
        text = "排行榜 周" if zh else "/leaderboard week"
        events.append((at(22, 30), say(people[1], text, show=True)))
    return events


def _goal_events(
    people: list[Persona],
    community: Community,
    today: date,
    say: Callable[..., Action],
) -> list[tuple[datetime, Action]]:
    """The month's shared goal (每月同读一本书): the owner sets it on the 1st, the steady
    and regular readers report pages every third day, and on Sundays someone asks for the
    board. No randomness: the other events' draws stay as they were."""
    cal = community.calendar
    zh = community.locale == "zh-CN"
    events: list[tuple[datetime, Action]] = []
    if today.day == 1 and today.month == 10:
        text = "本月目标 读完《原则》 300页" if zh else '/goal "Principles" 300 pages'
        events.append((cal.at_local(today, wall_time(8, 10)), say(people[0], text, show=True)))
    started = today.month == 10 or (today.month == 11 and today.day == 1)
    if not started or (today.month == 10 and today.day == 1):
        return events
    readers = [p for p in people if p.habit in ("steady", "regular") and p.joins_on <= today]
    for index, person in enumerate(readers):
        if (today.day + index) % 3 or _on_leave(person, today):
            continue
        pages = 20 + 10 * (index % 3)
        text = f"进度 +{pages}" if zh else f"/progress +{pages}"
        show = today.day == 2 and index == 1
        when = cal.at_local(today, wall_time(21, 40 + index % 15))
        events.append((when, say(person, text, show=show)))
    if today.weekday() == 6:
        text = "目标榜" if zh else "/goal board"
        events.append((cal.at_local(today, wall_time(22, 35)), say(people[2], text, show=True)))
    return events


HOMEWORK_P = {
    "steady": 0.95,
    "regular": 0.75,
    "lurker": 0.1,
    "fading": 0.8,
    "late-joiner": 0.7,
    "traveller": 0.7,
}
# Two careful reviews (long enough to earn review points and count for 点评之星) and two
# quick ones (which earn nothing: --review-min-chars).
REVIEWS_ZH = [
    "结构清晰，例子很好，第二段的论证如果再补一个反例会更有说服力，期待下一篇",
    "读完很有收获",
    "开头可以更抓人，建议先抛出问题再给结论，中间的数据部分写得很扎实，赞",
    "论证扎实",
]
REVIEWS_EN = [
    "clear structure, good examples; a counter-example in part two would make it land",
    "learned a lot",
    "open with the question, then the answer; the data section is solid work",
    "solid argument",
]


def _homework_events(
    rng: random.Random,
    people: list[Persona],
    community: Community,
    today: date,
    say: Callable[..., Action],
) -> list[tuple[datetime, Action]]:
    """One piece of work per member per weekly cycle (deadline Sunday 23:59), a few late
    ones on Monday morning, one resubmission; reviews on Tuesday evening, by the reviewers
    the last digest assigned."""
    cal = community.calendar
    zh = community.locale == "zh-CN"
    week = (today - START).days // 7
    events: list[tuple[datetime, Action]] = []
    weekday = today.weekday()
    for n, person in enumerate(people):
        if person.joins_on > today or _on_leave(person, today):
            continue
        p = HOMEWORK_P[person.habit] * (0 if person.habit == "fading" and week >= 2 else 1)
        link = f"https://notes.example.com/{person.user_id}/w{week + 1}"
        command = ("交作业 " if zh else "/submit ") + link
        # Each member has a weekday they hand in on; a few slip past the deadline.
        if weekday == 1 + (n + week) % 6 and rng.random() < p:
            when = cal.at_local(today, wall_time(rng.randint(9, 22), rng.randint(0, 59)))
            show = n == 4 and week == 0
            events.append((when, say(person, command, show=show)))
            if n == 6 and week == 1:  # a resubmission before the deadline
                later = when + timedelta(hours=1)
                events.append((later, say(person, command + "-v2", show=True)))
        if weekday == 0 and week > 0 and n % 9 == 5 and rng.random() < 0.5:
            late = ("交作业 " if zh else "/submit ") + link.replace(f"w{week + 1}", f"w{week}")
            events.append((cal.at_local(today, wall_time(0, 30)), say(person, late, show=True)))
    if weekday == 1 and week > 0:
        events.append(
            (cal.at_local(today, wall_time(20, 0)), _review_round(rng, people, community, say))
        )
    return events


def _review_round(
    rng: random.Random, people: list[Persona], community: Community, say: Callable[..., Action]
) -> Action:
    def act(chat: Chat, when: datetime) -> None:
        from chalicelib.domain.homework import cycles_of, last_closed
        from chalicelib.runtime import get_runtime
        from chalicelib.store.homework import assignments_of

        cycles = cycles_of(community)
        if cycles is None:
            return
        n = last_closed(cycles, when)
        if n < 1:
            return
        store = get_runtime().store
        by_id = {p.user_id: p for p in people}
        assigned = assignments_of(store.table, community.id, cycles.cycle_id(n))
        zh = community.locale == "zh-CN"
        shown = 0
        for reviewee, reviewers in sorted(assigned.items()):
            for reviewer in reviewers:
                who = by_id.get(reviewer)
                if who is None or who.habit in ("lurker", "fading") or rng.random() < 0.25:
                    continue
                words = rng.choice(REVIEWS_ZH if zh else REVIEWS_EN)
                text = (
                    f"点评 @{by_id[reviewee].name} {words} {rng.randint(3, 5)}"
                    if zh
                    else f"/review @{by_id[reviewee].name} {words} {rng.randint(3, 5)}"
                )
                say(who, text, show=shown < 2)(chat, when)
                shown += 1
                when += timedelta(minutes=1)

    return act


def _show_exchange(
    log: DemoLog, at: datetime, community: Community, person: Persona, text: str, replies: list[str]
) -> None:
    local = at.astimezone(community.calendar.tz)
    log.say(f"\n[{local:%Y-%m-%d %H:%M}] {person.name}: {text}")
    for reply in replies:
        for line in reply.splitlines():
            log.say(f"  ↳ {line}")


def _show_rota_handover(
    runtime: Any, community: Community, chat: Chat, people: list[Persona], log: DemoLog
) -> None:
    """The duty rota (值周生): the operator turns a weekly rota on, the next Monday's
    turn-over picks the member on duty by the rota's rule (announced, duties sent privately),
    and they hand the week over with 换班 @x, which x accepts with 同意换班."""
    from chalicelib.jobs.runner import run_job

    zh = community.locale == "zh-CN"
    cal = community.calendar
    last = cal.local_date(runtime.clock.now())
    monday = last + timedelta(days=(7 - last.weekday()) or 7)
    duties = "每天 8 点开早读帖，周日提醒交作业" if zh else "Open the 8 am thread; remind on Sunday"
    updated = runtime.store.update_community(community, rota_period="week", rota_duties=duties)
    at = cal.at_local(monday, wall_time(9))
    result = run_job(runtime, "rota", community.id, at)
    _show_bot(log, at, updated, result.parts, "rota")
    on_duty = next((p for p in people if p.user_id == result.summary.get("on_duty")), None)
    other = next(
        (
            p
            for p in people
            if p.habit == "steady" and p is not on_duty and not _on_leave(p, monday)
        ),
        None,
    )
    if on_duty is None or other is None:
        return
    for when, who, text in (
        (at + timedelta(hours=1), on_duty, f"{'换班' if zh else '/swap'} @{other.name}"),
        (at + timedelta(hours=2), other, "同意换班" if zh else "/swap accept"),
    ):
        _show_exchange(log, when, updated, who, text, chat.say(when, who, text))
    log.bump("rota")


def _newcomer_ritual(
    chat: Chat, runtime: Any, community: Community, day: date, log: DemoLog
) -> None:
    """The joining ritual (features/ritual.py): the organiser sets the group rules and asks
    for them to be accepted; a newcomer joins, is welcomed with the rules, and accepts."""
    from chalicelib.features.communities import change_settings

    zh = community.locale == "zh-CN"
    at = community.calendar.at_local(day, wall_time(9, 0))
    rules = (
        "1. 每天打卡，{name} 记得写一句收获\\n2. 不发广告"
        if zh
        else "1. Check in daily, {name}: one line of what you learnt\\n2. No ads"
    )
    raw = {"group_rules": rules, "require_rules_acceptance": "on"}
    current = runtime.store.get_community(community.id)
    change_settings(runtime.store, current, raw, by="demo", now=at)
    newcomer = Persona("u999", "小新" if zh else "Nova", Role.MEMBER, "A", "newcomer", day, 0.0)
    user = {"id": newcomer.user_id, "name": newcomer.name}
    joined = chat.post(at, {"type": "member_joined", "user": user})
    replies = [part for parts in joined.get("replies", []) for part in parts]
    _show_exchange(log, at, community, newcomer, "(进群)" if zh else "(joins)", replies)
    later = at + timedelta(minutes=2)
    word = "同意" if zh else "/agree"
    _show_exchange(log, later, community, newcomer, word, chat.say(later, newcomer, word))


def _on_leave(person: Persona, today: date) -> bool:
    if person.leave is None:
        return False
    first, days = person.leave
    return first <= today < first + timedelta(days=days)


def _import_roster(runtime: Any, community: Community, people: list[Persona], log: DemoLog) -> None:
    """The operator imports the founding roster (roles, squads) as ``rollcall member import``
    does; late joiners are not on it and arrive through the chat alone."""
    from rollcall import members_csv

    founders = [p for p in people if p.joins_on == START]
    csv_text = "user_id,name,role,squad,joined_at\n" + "".join(
        f"{p.user_id},{p.name},{p.role.value},{p.squad},{p.joins_on}\n" for p in founders
    )
    rows = members_csv.parse_rows(csv_text)
    members = members_csv.merge(community.id, rows, {})
    runtime.store.bulk_save_members(members)
    log.say(_imported_line(len(members), community.locale))


def _schedule_cohort_and_announcement(runtime: Any, community: Community, weeks: int) -> None:
    """The organiser opens a cohort the next morning (开班仪式, posted by the job with the
    squads and their leaders) and schedules one announcement, as ``rollcall cohort add`` and
    ``rollcall announce add`` do; both come out through the same dispatcher as every job."""
    from chalicelib.features import announcements

    now = runtime.clock.now()
    zh = community.locale == "zh-CN"
    first, last = START + timedelta(days=1), START + timedelta(days=weeks * 7 - 1)
    name, theme = ("第1期", "每天读 20 页") if zh else ("Cohort 1", "20 pages a day")
    announcements.add_cohort(runtime.store, community, name, first, last, now, theme=theme)
    text = "周三 20:00 读书分享会，欢迎报名" if zh else "Book club on Wednesday at 20:00: join us"
    when = (START + timedelta(days=2)).isoformat()
    announcements.add_announcement(runtime.store, community, f"{when} 12:00 {text}", "owner", now)


def _show_bot(log: DemoLog, at: datetime, community: Community, parts: list[str], job: str) -> None:
    if not parts:
        return
    local = at.astimezone(community.calendar.tz)
    log.say(f"\n[{local:%Y-%m-%d %H:%M} {community.timezone}] {job}")
    direct = [p for p in parts if p.startswith(DM_MARK)]
    shown = [p for p in parts if not p.startswith(DM_MARK)] + direct[:DMS_SHOWN]
    for part in shown:
        for line in part.splitlines():
            log.say(f"  │ {line}")
    if len(direct) > DMS_SHOWN:
        more = len(direct) - DMS_SHOWN
        log.say(
            f"  │ …另有 {more} 条私信"
            if community.locale == "zh-CN"
            else f"  │ …and {more} more direct messages"
        )


def _friday_session(
    runtime: Any,
    community: Community,
    chat: Chat,
    people: list[Persona],
    log: DemoLog,
    after: datetime,
) -> int:
    """A Friday session (分享会) from its announcement to its summary, through the sessions
    job's own slots and runner and the chat route: a member signs up, the owner confirms,
    three members attend. One line per phase; returns how many attended."""
    from chalicelib.domain.sessions import parse_period
    from chalicelib.features import sessions
    from chalicelib.jobs.post_sessions import NAME, session_slots
    from chalicelib.jobs.runner import run_job

    zh = community.locale == "zh-CN"
    values: dict[str, Any] = {
        "id": "friday",
        "title": "周五分享会" if zh else "Friday talk",
        "weekday": "fri",
    }
    values |= {"at": "20:00", "talk": 40, "announce_days": 1, "speaker_deadline_days": 0}
    sessions.add_session(runtime.store, community, values, after)
    community = runtime.store.get_community(community.id)
    slots = session_slots(community, after)
    first = next(slots)
    day = parse_period(first.period).day
    owner = next(p for p in people if p.role is Role.OWNER)
    present = [p for p in people if p.role is Role.MEMBER and p.joins_on <= after.date()]
    speaker, *audience = present[:4]
    topic = "如何坚持打卡" if zh else "Keeping a streak"
    chat.say(after, speaker, f"{'报名分享' if zh else '/speak'} {day.isoformat()} {topic}")
    chat.say(after, owner, f"{'确认分享' if zh else '/confirm-speaker'} {day.isoformat()}")
    slot = first
    while parse_period(slot.period).day == day:
        runtime.clock.set(slot.scheduled_at)
        result = run_job(runtime, NAME, community.id, slot.scheduled_at, period=slot.period)
        log.bump(NAME)
        local = slot.scheduled_at.astimezone(community.calendar.tz)
        for part in result.parts[:1]:
            lines = part.splitlines()
            shown = lines[:2] if slot.period.endswith(("#summary", "#announce")) else lines[:1]
            log.say(f"[{local:%Y-%m-%d %H:%M}] {NAME} │ " + " / ".join(shown))
        if slot.period.endswith("#start"):
            for n, member in enumerate(audience):
                chat.say(
                    slot.scheduled_at + timedelta(minutes=n + 1), member, "到" if zh else "/here"
                )
        slot = next(slots)
    return len(audience)


# How a job's direct message reads in its parts (jobs/runner.py), and how many the demo
# shows in full per run: every reviewer gets one each week, and thirty read as noise.
DM_MARK = "[DM → "
DMS_SHOWN = 2


def _banner(community: Community, seed: int, where: str) -> str:
    if community.locale == "zh-CN":
        return (
            f"=== rollcall 演示：「{community.name}」({community.platform} 群 {CHAT_ID}，"
            f"{community.timezone}，seed {seed}) ===\n所有消息都经由 POST /webhooks/console "
            f"真实路由，数据保存在 DynamoDB（{where}）。"
        )
    return (
        f"=== rollcall demo: “{community.name}” ({community.platform} chat {CHAT_ID}, "
        f"{community.timezone}, seed {seed}) ===\nEvery message goes through the real "
        f"POST /webhooks/console route; state lives in DynamoDB ({where})."
    )


def _imported_line(count: int, locale: str) -> str:
    if locale == "zh-CN":
        return f"群主导入名单：{count} 位成员（角色、分组），rollcall member import 同款流程。"
    return f"The owner imports the roster: {count} members with roles and squads (member import)."


def _joined_line(today: date, people: list[Persona], locale: str) -> str:
    joined = [p for p in people if p.joins_on == today]
    squads = {s: sum(1 for p in joined if p.squad == s) for s in ("A", "B")}
    if locale == "zh-CN":
        return (
            f"\n[{today}] {len(joined)} 位成员入群（A 组 {squads['A']} 人，B 组 {squads['B']} "
            f"人），另有 {len(people) - len(joined)} 位稍后加入。"
        )
    return (
        f"\n[{today}] {len(joined)} members joined (squad A {squads['A']}, squad B "
        f"{squads['B']}); {len(people) - len(joined)} more join later."
    )


def _footer(summary: dict[str, Any], locale: str) -> str:
    if locale == "zh-CN":
        return (
            f"\n=== 演示结束：{summary['days']} 天，{summary['members']} 位成员，"
            f"{summary['checkins']} 次打卡，{summary['webhook_requests']} 次 webhook 请求，"
            f"{summary['reminders']} 次提醒任务，用时 {summary['seconds']} 秒 ==="
        )
    return (
        f"\n=== demo done: {summary['days']} days, {summary['members']} members, "
        f"{summary['checkins']} check-ins, {summary['webhook_requests']} webhook requests, "
        f"{summary['reminders']} reminder runs, {summary['seconds']} s ==="
    )


_ENV = (
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_DYNAMODB",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_DEFAULT_REGION",
)


def _point_boto3_at(url: str | None) -> dict[str, str | None]:
    import os

    saved = {k: os.environ.get(k) for k in _ENV}
    if url is not None:
        os.environ["AWS_ENDPOINT_URL"] = url
        os.environ["AWS_ENDPOINT_URL_DYNAMODB"] = url
        os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
        os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
        os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    return saved


def _restore_env(saved: dict[str, str | None]) -> None:
    import os

    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
