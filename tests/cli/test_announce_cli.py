"""``rollcall announce add|list|cancel`` and ``rollcall cohort add|list|cancel``, as an
operator runs them: one line per result, ``--json``, one ``error:`` line for bad input
with nothing written; then the scheduled post goes out once through ``rollcall job run``."""

from __future__ import annotations

import json

import pytest

AT = "2026-12-05T12:00:00+08:00"


@pytest.fixture
def cid(cli) -> str:
    created = cli(
        "community", "create", "--name", "晨读营", "--platform", "console", "--chat-id", "room-1",
        "--timezone", "Europe/Berlin", "--json",
    )  # fmt: skip
    return str(json.loads(created.stdout)["id"])


def test_an_announcement_is_added_listed_and_cancelled(cli, cid):
    added = cli(
        "announce", "add", "--community", cid, "--when", "weekly mon 09:00", "--at", AT,
        "Plan", "your", "week",
    )  # fmt: skip
    announcement_id, _, rest = added.stdout.strip().partition(": ")
    assert rest == "every Mon 09:00, first posted 2026-12-07 09:00"
    listed = json.loads(cli("announce", "list", "--community", cid, "--at", AT, "--json").stdout)
    assert [(e["id"], e["kind"], e["preview"]) for e in listed] == [
        (announcement_id, "weekly", "Plan your week")
    ]
    out = cli("announce", "cancel", "--community", cid, announcement_id)
    assert out.stdout.strip() == f"{announcement_id}: cancelled"
    assert cli("announce", "list", "--community", cid).stdout.strip() == "no announcements"
    again = cli("announce", "cancel", "--community", cid, announcement_id, ok=False)
    assert again.exit_code == 1
    assert again.stderr.strip() == f"error: no announcement {announcement_id} in {cid}"


@pytest.mark.parametrize(
    ("when", "error"),
    [
        ("2026-12-01 09:00", "error: 2026-12-01 09:00 is in the past: pick a time to come."),
        (
            "2027-03-28 02:30",
            "error: 2027-03-28 02:30 does not exist in this group's timezone (daylight saving "
            "skips that hour): pick another time.",
        ),
        (
            "daily 09:00 until 2026-12-01",
            "error: This recurring announcement would never be posted before its end date.",
        ),
    ],
)
def test_a_bad_announcement_is_one_error_line_and_writes_nothing(cli, cid, when, error):
    out = cli("announce", "add", "--community", cid, "--when", when, "--at", AT, "x", ok=False)
    assert out.exit_code == 1
    assert out.stderr.strip() == error
    assert json.loads(cli("announce", "list", "--community", cid, "--json").stdout) == []


def test_a_cohort_is_added_and_a_bad_one_is_refused(cli, cid):
    bad = cli(
        "cohort", "add", "--community", cid, "--name", "第3期", "--start", "2026-12-10",
        "--end", "2026-12-01", ok=False,
    )  # fmt: skip
    assert bad.exit_code == 1
    expected = "error: The end date 2026-12-01 is before the start date 2026-12-10."
    assert bad.stderr.strip() == expected
    added = cli(
        "cohort", "add", "--community", cid, "--name", "第3期", "--start", "2026-12-07",
        "--end", "2027-02-28", "--theme", "Deep work", "--at", AT, "--json",
    )  # fmt: skip
    entry = json.loads(added.stdout)
    assert (entry["name"], entry["start"], entry["end"], entry["theme"]) == (
        "第3期",
        "2026-12-07",
        "2027-02-28",
        "Deep work",
    )
    listed = cli("cohort", "list", "--community", cid).stdout.strip()
    assert listed == f"{entry['id']}  第3期  2026-12-07 – 2027-02-28"
    opened = cli(
        "job", "run", "announcements", "--community", cid,
        "--at", "2026-12-07T09:01:00+01:00", "--json",
    )  # fmt: skip
    result = json.loads(opened.stdout)
    assert result["status"] == "sent" and result["period"] == f"2026-12-07#{entry['id']}-open"
    assert result["parts"][0].startswith("🎉 第3期 开班仪式（2026-12-07 – 2027-02-28）")
    again = cli(
        "job", "run", "announcements", "--community", cid,
        "--at", "2026-12-07T09:01:00+01:00", "--json",
    )  # fmt: skip
    assert json.loads(again.stdout)["status"] == "already-done"
    cli("cohort", "cancel", "--community", cid, entry["id"])
    assert cli("cohort", "list", "--community", cid).stdout.strip() == "no cohorts"


def test_a_cohort_at_the_calendars_edge_is_one_error_line_and_writes_nothing(cli, cid):
    """Its closing is the morning after its last day: after 9999-12-31 there is none (was a
    traceback after the cohort was saved, and every later announcements run crashed)."""
    for start, end in (("9999-12-30", "9999-12-31"), ("0001-01-01", "0001-01-02")):
        bad = cli(
            "cohort", "add", "--community", cid, "--name", "x", "--start", start, "--end", end,
            "--at", AT, ok=False,
        )  # fmt: skip
        assert bad.exit_code == 1
        edge = end if start.startswith("9999") else start
        expected = f"error: The date {edge} is at the very edge of the calendar: pick a nearer one."
        assert bad.stderr.strip() == expected
    assert cli("cohort", "list", "--community", cid).stdout.strip() == "no cohorts"
    cli(
        "cohort", "add", "--community", cid, "--name", "第3期", "--start", "2026-12-07",
        "--end", "2026-12-20", "--at", AT,
    )  # fmt: skip
    ran = cli(
        "job", "run", "announcements", "--community", cid,
        "--at", "2026-12-07T09:01:00+01:00", "--json",
    )  # fmt: skip
    assert json.loads(ran.stdout)["status"] == "sent"
