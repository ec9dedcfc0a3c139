"""What a webhook's cold start imports: a fresh process imports the app and serves two
check-ins (a new member's on a cold container, then another's on the warm one) through the
console webhook, the way Lambda calls it. Everything it imports is paid on every cold start
(bench/coldpath.py measures it), so modules the check-in does not need stay out: a module
named here that a change pulls back onto the path turns this red.

A membership test, not a timing: it holds on a loaded machine.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Off the check-in's path, each for a reason:
NOT_ON_THE_PATH = (
    # the ladder's rules: loaded only when a member has the next rung's points
    "chalicelib.domain.levels",
    # held admin commands (DingTalk's confirmation): a check-in is never held
    "chalicelib.chat.confirm",
    # tzdata is read from its files: importlib.resources' readers are not needed
    "importlib.resources.readers",
    "importlib.readers",
    # the console replies in the webhook's answer: no HTTP client, no other platform
    "requests",
    "chalicelib.platforms.http",
    "chalicelib.platforms.telegram",
    "chalicelib.platforms.slack",
    "chalicelib.platforms.discord",
    "chalicelib.platforms.feishu",
    "chalicelib.platforms.dingtalk",
    "chalicelib.platforms.wecom",
    "Crypto",
    # other features, jobs, the queue, the console's pages, settings, roles
    "chalicelib.jobs",
    "chalicelib.manage",
    "chalicelib.queue",
    "chalicelib.chat.homework",
    "chalicelib.chat.standing",
    "chalicelib.features.reports",
    "chalicelib.store.runs",
    "chalicelib.domain.goals",
    "chalicelib.domain.settings",
    "chalicelib.domain.roles",
    "chalicelib.domain.inactivity",
    "chalicelib.domain.texts.core",
    "chalicelib.domain.texts.homework",
)

CHILD = """
import json, sys
from datetime import UTC, datetime

from chalice.test import Client

import app
from chalicelib.runtime import set_runtime
from chalicelib.store.memory import MemoryTable
from chalicelib.store.repository import Store
from tests.helpers import community, console_body, runtime, signed_headers

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
imported = sorted(sys.modules)
store = Store(MemoryTable())
store.create_community(community())
rt, _sent = runtime(store, NOW)
set_runtime(rt)
replies = []
with Client(app.app) as client:
    for user in ("u1", "u2"):
        body = console_body("打卡", user=user, message_id="m-" + user)
        answer = client.http.post("/webhooks/console", headers=signed_headers(body, NOW), body=body)
        replies.append([answer.status_code, json.loads(answer.body)])
members = [store.get_member("c1", u) for u in ("u1", "u2")]
print(json.dumps({
    "after_import": imported,
    "after_checkins": sorted(sys.modules),
    "replies": replies,
    "checkins": [m.checkins if m else 0 for m in members],
}))
"""


def _loaded(names: list[str]) -> list[str]:
    return sorted(n for n in names for m in NOT_ON_THE_PATH if n == m or n.startswith(m + "."))


def test_a_cold_checkin_imports_none_of_the_modules_it_does_not_need():
    done = subprocess.run(
        [sys.executable, "-c", CHILD],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    # The check-ins were real: both answered, both counted.
    assert [status for status, _ in seen["replies"]] == [200, 200]
    assert all("checked in" in json.dumps(body) for _, body in seen["replies"])
    assert seen["checkins"] == [1, 1]
    assert "chalicelib.chat.checkins" in seen["after_checkins"]  # the path was taken
    assert _loaded(seen["after_import"]) == []
    assert _loaded(seen["after_checkins"]) == []


def test_a_member_reaching_the_next_rungs_points_on_a_checkin_still_levels_up():
    """The ladder is skipped while a member is short of the next rung's points; the check-in
    that brings them exactly to it climbs (the skip must not be off by one)."""
    from datetime import UTC, datetime

    from chalicelib.features.points import checkin_fields
    from tests.helpers import community, member

    now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    c = community(level_points=(0, 30, 150))
    today = c.calendar.local_date(now)
    for points, level in ((27, 1), (28, 2), (40, 2)):
        fields, added = checkin_fields(
            c, member("u1", points=points), streak=1, best=1, checkins=1, today=today, now=now
        )
        assert added == 2
        assert fields.get("level", 1) == level, points
    # at the top rung: nothing to climb, whatever the points
    fields, _ = checkin_fields(
        c, member("u1", points=900, level=3), streak=1, best=1, checkins=1, today=today, now=now
    )
    assert "level" not in fields
