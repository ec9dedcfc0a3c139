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
from chalicelib.domain.models import Community, Role
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
        return json.loads(response.body)

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
    from chalicelib.jobs.runner import run_job
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
        with Client(chalice_app.app) as client:
            chat = Chat(client, clock, secret, log)
            for day in range(weeks * 7):
                today = START + timedelta(days=day)
                _live_one_day(rng, chat, runtime, community, people, today, log)
                at = cal.at_local(today, wall_time(21, 0))
                log.posted.clear()
                result = run_job(runtime, "daily-reminder", community.id, at)
                log.bump("reminders")
                _show_bot(log, at, community, result.parts, "daily-reminder")
        summary = {
            "seed": seed,
            "community": community.id,
            "members": sum(1 for _ in runtime.store.list_members(community.id)),
            "days": weeks * 7,
            "webhook_requests": log.counts.get("webhooks", 0),
            "checkins": log.counts.get("checkins", 0),
            "reminders": log.counts.get("reminders", 0),
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
    )
    return runtime.store.create_community(community)


def _live_one_day(
    rng: random.Random,
    chat: Chat,
    runtime: Any,
    community: Community,
    people: list[Persona],
    today: date,
    log: DemoLog,
) -> None:
    cal = community.calendar
    for person in people:
        if person.joins_on == today:
            chat.join(cal.at_local(today, wall_time(7, rng.randint(0, 59))), person)
            log.bump("joins")
    if today == START:
        log.say(_joined_line(today, people, community.locale))
    week = (today - START).days // 7
    for person in people:
        if person.joins_on > today or _on_leave(person, today):
            continue
        p = person.p_checkin
        if person.habit == "fading" and week >= 2:
            p = 0.05 if week == 2 else 0.0
        if rng.random() >= p:
            continue
        minute = rng.randint(6 * 60, 23 * 60 + 30)
        at = cal.at_local(today, wall_time(minute // 60, minute % 60))
        chat.say(at, person, "打卡" if community.locale == "zh-CN" else "/checkin")
        log.bump("checkins")


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


def _show_bot(log: DemoLog, at: datetime, community: Community, parts: list[str], job: str) -> None:
    if not parts:
        return
    local = at.astimezone(community.calendar.tz)
    log.say(f"\n[{local:%Y-%m-%d %H:%M} {community.timezone}] {job}")
    for part in parts:
        for line in part.splitlines():
            log.say(f"  │ {line}")


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
