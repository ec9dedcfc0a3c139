"""``rollcall report makeups`` and ``rollcall report roles``: the audit lists an organiser
can see, as an operator runs them (CliRunner on the embedded endpoint, no subprocess)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

AT = datetime(2026, 11, 5, 12, 0, tzinfo=UTC)


@pytest.fixture
def cid(cli) -> str:
    made = cli(
        "community", "create", "--name", "晨读营", "--platform", "console", "--chat-id", "room-1",
        "--json",
    )  # fmt: skip
    cid = json.loads(made.stdout)["id"]
    for user, name in (("111", "Olga"), ("444", "Amy"), ("555", "Bob")):
        cli("member", "add", "--community", cid, user, "--name", name)
    return cid


def test_report_makeups_lists_who_recorded_each_make_up_by_month(cli, cid):
    from chalicelib.store import checkins
    from rollcall.context import open_store

    with open_store() as store:
        t = store.table
        checkins.record_checkin(t, cid, "444", date(2026, 11, 3), AT, makeup=True)
        checkins.record_checkin(
            t, cid, "555", date(2026, 10, 30), AT, makeup=True, recorded_by="111"
        )
        checkins.record_checkin(t, cid, "555", date(2026, 11, 5), AT, note="on the day")
    everything = json.loads(cli("report", "makeups", "--community", cid, "--json").stdout)
    assert everything == [
        {
            "date": "2026-10-30",
            "user_id": "555",
            "recorded_by": "111",
            "at": AT.isoformat(),
            "note": None,
        },
        {
            "date": "2026-11-03",
            "user_id": "444",
            "recorded_by": "444",
            "at": AT.isoformat(),
            "note": None,
        },
    ]
    november = cli("report", "makeups", "--community", cid, "--month", "2026-11").stdout
    assert november.splitlines() == [
        f"{cid} in 2026-11: 1 make-up",
        "  2026-11-03  444  by themselves  at 2026-11-05 12:00 UTC",
    ]
    october = cli("report", "makeups", "--community", cid, "--month", "2026-10").stdout
    assert "recorded by 111" in october and "444" not in october
    september = cli("report", "makeups", "--community", cid, "--month", "2026-09").stdout
    assert "no make-ups" in september


def test_report_makeups_bad_input_is_one_line(cli, cid):
    bad = cli("report", "makeups", "--community", cid, "--month", "2026-13", ok=False)
    assert bad.exit_code != 0 and bad.stderr == "error: --month must be YYYY-MM, got '2026-13'\n"
    unknown = cli("report", "makeups", "--community", "nope", ok=False)
    assert unknown.exit_code != 0 and unknown.stderr.count("\n") == 1
    assert unknown.stderr.startswith("error: ")


def test_report_roles_lists_role_and_position_changes_as_they_happened(cli, cid):
    assert "no role or position changes" in cli("report", "roles", "--community", cid).stdout
    cli("member", "set-role", "--community", cid, "--user", "444", "leader")
    cli("member", "set-position", "--community", cid, "--user", "555", "study-officer")
    cli("member", "set-role", "--community", cid, "--user", "444", "member")
    rows = json.loads(cli("report", "roles", "--community", cid, "--json").stdout)
    assert [(r["kind"], r["user_id"], r["old"], r["new"], r["by"]) for r in rows] == [
        ("role", "444", "member", "leader", "cli"),
        ("position", "555", None, "学习委员", "cli"),
        ("role", "444", "leader", "member", "cli"),
    ]
    assert all(r["at"] for r in rows) and rows[0]["name"] == "Amy"
    text = cli("report", "roles", "--community", cid).stdout.splitlines()
    assert text[0] == f"{cid}: 3 changes"
    assert "444 Amy  role member → leader  by cli (cli)" in text[1]
    assert "position - → 学习委员" in text[2]
    unknown = cli("report", "roles", "--community", "nope", ok=False)
    assert unknown.exit_code != 0 and unknown.stderr.startswith("error: ")
