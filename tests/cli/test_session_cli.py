"""``rollcall session add|list|cancel``, as an operator runs them: one-line errors and
nothing written on bad input; the job is pointed at the new session's first phase."""

from __future__ import annotations

import json

import pytest

NOW = "2026-12-07T00:00:00+08:00"


def _community(cli, tz: str = "Asia/Shanghai") -> str:
    created = cli(
        "community", "create", "--name", "分享营", "--platform", "console", "--chat-id", "room-s",
        "--timezone", tz, "--json",
    )  # fmt: skip
    return json.loads(created.stdout)["id"]


def test_add_list_and_cancel_a_weekly_session(cli):
    cid = _community(cli)
    added = cli(
        "session", "add", "--community", cid, "--id", "friday", "--title", "周五分享会",
        "--weekday", "fri", "--at", "20:00", "--talk", "40", "--now", NOW,
    )  # fmt: skip
    assert added.stdout.strip() == "added friday: 周五分享会, fri 20:00 weekly, 60 min (talk 40)"
    listed = json.loads(cli("session", "list", "--community", cid, "--now", NOW, "--json").stdout)
    assert listed["upcoming"][0]["date"] == "2026-12-11"
    assert listed["upcoming"][0]["start"] == "2026-12-11T12:00:00+00:00"
    shown = json.loads(cli("community", "show", cid, "--json").stdout)
    # the job points at the first phase: the announcement three days before, 20:00 local
    assert shown["next_runs"]["sessions"] == "2026-12-08T12:00:00+00:00"
    out = cli("session", "cancel", "--community", cid, "2026-12-11", "--now", NOW)
    assert out.stdout.strip() == "cancelled friday on 2026-12-11"
    again = cli("session", "cancel", "--community", cid, "2026-12-11", "--now", NOW, ok=False)
    assert again.exit_code == 1
    assert again.stderr.strip() == "error: the session on 2026-12-11 is already cancelled"
    listed = json.loads(cli("session", "list", "--community", cid, "--now", NOW, "--json").stdout)
    assert listed["upcoming"][0]["cancelled"] is True


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--weekday", "sun", "--at", "02:30"), "02:30 does not exist on 2027-03-28"),
        (("--weekday", "fri", "--at", "20:00", "--nth", "7"), "never occurs"),
        (("--weekday", "fri", "--at", "20:00", "--duration", "600"), "duration (minutes)"),
    ],
)
def test_a_bad_session_is_one_line_and_nothing_is_written(cli, args, message):
    cid = _community(cli, "Europe/Berlin")
    result = cli("session", "add", "--community", cid, "--id", "s", *args, "--now", NOW, ok=False)
    assert result.exit_code == 1
    assert result.stderr.startswith("error: ") and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    listed = json.loads(cli("session", "list", "--community", cid, "--json").stdout)
    assert listed == {"sessions": [], "upcoming": []}


def test_cancel_a_date_without_a_session_or_one_already_started(cli):
    cid = _community(cli)
    cli(
        "session", "add", "--community", cid, "--id", "friday", "--weekday", "fri",
        "--at", "20:00", "--now", NOW,
    )  # fmt: skip
    none = cli("session", "cancel", "--community", cid, "2026-12-10", "--now", NOW, ok=False)
    assert none.stderr.strip() == "error: there is no session on 2026-12-10"
    late = "2026-12-11T20:05:00+08:00"
    started = cli("session", "cancel", "--community", cid, "2026-12-11", "--now", late, ok=False)
    assert started.stderr.strip() == "error: the session on 2026-12-11 has already started"
    dup = cli(
        "session", "add", "--community", cid, "--id", "friday", "--weekday", "fri",
        "--at", "20:00", "--now", NOW, ok=False,
    )  # fmt: skip
    assert dup.stderr.strip() == "error: a session 'friday' exists already"


def test_a_session_with_a_speaker_rota_and_removing_it(cli):
    cid = _community(cli)
    added = cli(
        "session", "add", "--community", cid, "--id", "friday", "--title", "周五分享会",
        "--weekday", "fri", "--at", "20:00", "--speaker-rota", "--now", NOW, "--json",
    )  # fmt: skip
    assert json.loads(json.loads(added.stdout)["definition"])["speaker_rota"] is True
    listed = cli("session", "list", "--community", cid, "--now", NOW).stdout
    assert "friday: 周五分享会, fri 20:00 weekly, 60 min, speaker rota" in listed
    no_deadline = cli(
        "session", "add", "--community", cid, "--id", "monday", "--weekday", "mon", "--at",
        "20:00", "--speaker-rota", "--speaker-deadline-days", "0", "--now", NOW, ok=False,
    )  # fmt: skip
    assert no_deadline.stderr.strip() == (
        "error: a speaker rota needs a speaker deadline (speaker deadline days 1..28)"
    )
    out = cli("session", "remove", "--community", cid, "friday")
    assert out.stdout.strip().startswith("removed friday: 周五分享会")
    again = cli("session", "remove", "--community", cid, "friday", ok=False)
    assert again.exit_code == 1
    assert again.stderr.strip() == "error: there is no session 'friday'"
    listed = json.loads(cli("session", "list", "--community", cid, "--json").stdout)
    assert listed == {"sessions": [], "upcoming": []}
