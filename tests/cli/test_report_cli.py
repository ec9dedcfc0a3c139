"""``rollcall report``: rules, the monthly report (text, JSON, CSV) and confirmed removals,
tried from outside as an operator would, on the embedded endpoint."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime

import pytest
from click.testing import CliRunner

from chalicelib.domain.models import Role
from chalicelib.store.reports import removals
from rollcall.cli import main
from rollcall.context import open_store
from tests.helpers import member

RUN_AT = "2026-12-01T10:00:00+08:00"


@pytest.fixture
def cid(cli) -> str:
    """An English console community with a roster whose November makes a report worth
    reading: a warning to give, a candidate warned in October, an owner who never speaks."""
    created = cli(
        "community",
        "create",
        "--name",
        "Writers",
        "--platform",
        "console",
        "--chat-id",
        "room-1",
        "--timezone",
        "Asia/Shanghai",
        "--locale",
        "en",
        "--json",
    )
    community_id = json.loads(created.stdout)["id"]
    with open_store() as store:
        # Running since January: rollcall judges members only on time it watched, and a
        # community created "now" would have watched none of November (docs/counting.md).
        since = datetime(2026, 1, 5, tzinfo=UTC)
        store.update_community(store.get_community(community_id), created_at=since)
        store.bulk_save_members(
            [
                member(u, community_id=community_id, **fields)
                for u, fields in (
                    ("boss", {"name": "Boss", "role": Role.OWNER, "last_active": date(2026, 8, 1)}),
                    ("amy", {"name": "Amy", "squad": "A", "last_active": date(2026, 11, 30)}),
                    ("ian", {"name": "Ian", "last_active": date(2026, 9, 1)}),
                    (
                        "olga",
                        {
                            "name": "Olga",
                            "last_active": date(2026, 9, 1),
                            "warned_rule": "silent",
                            "warned_at": date(2026, 11, 1),
                        },
                    ),
                )
            ]
        )
    return community_id


def fail(cli, *args: str) -> str:
    result = cli(*args, ok=False)
    assert result.exit_code != 0
    assert "Traceback" not in result.output + result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    return result.stderr


def test_rules_are_shown_set_and_refused_with_the_reason(cli, cid):
    shown = json.loads(cli("report", "rules", "--community", cid, "--json").stdout)
    assert shown["default_rules"] is True and shown["removal_enabled"] is False
    assert [r["id"] for r in shown["rules"]] == ["hw-missed", "silent"]
    rules = '[{"id": "silent", "kind": "inactive_days", "warn": 20, "remove": 40}]'
    out = cli("report", "rules", "--community", cid, "--set", rules, "--removal", "on").stdout
    assert "silent       inactive_days  warn 20, remove 40" in out and "removal      on" in out
    bad = '[{"id": "silent", "kind": "inactive_days", "warn": 40, "remove": 20}]'
    error = fail(cli, "report", "rules", "--community", cid, "--set", bad)
    assert "remove (20) is below warn (40)" in error
    negative = '[{"id": "x", "kind": "inactive_days", "warn": -1}]'
    error = fail(cli, "report", "rules", "--community", cid, "--set", negative)
    assert "warn must not be negative" in error
    assert "not valid JSON" in fail(cli, "report", "rules", "--community", cid, "--set", "[{")
    assert "quiet days (3) must not be below active days (7)" in fail(
        cli, "report", "rules", "--community", cid, "--quiet-days", "3"
    )
    kept = json.loads(cli("report", "rules", "--community", cid, "--json").stdout)
    assert kept["rules"] == [{"id": "silent", "kind": "inactive_days", "warn": 20, "remove": 40}]
    assert kept["tiers"] == {"active_days": 7, "quiet_days": 30}


def test_monthly_report_before_the_job_ran_is_a_preview(cli, cid):
    out = cli("report", "monthly", "--community", cid, "--month", "2026-11", "--at", RUN_AT)
    assert "Writers: monthly report for 2026-11 (as of 2026-12-01)" in out.stdout
    assert "Warned (1): Ian (inactivity)" in out.stdout
    assert "preview: not stored" in out.stdout
    args = ("report", "monthly", "--community", cid, "--month", "2026-11", "--at", RUN_AT)
    data = json.loads(cli(*args, "--json").stdout)
    assert data["stored"] is False and data["counts"]["inactive"] == 3
    from chalicelib.store.reports import warnings_of

    with open_store() as store:
        assert store.get_member(cid, "ian").warned_rule is None  # a preview warns nobody
        assert "ian" not in warnings_of(store.table, cid)  # nor in the warnings' own items


def test_the_stored_report_csv_matches_its_message(cli, cid):
    cli("report", "rules", "--community", cid, "--removal", "on", "--admin-chat", "admins-1")
    with open_store() as store:  # /report in the admin chat finds the community
        assert store.find_community_by_chat("console", "admins-1").id == cid
    sent = json.loads(
        cli("job", "run", "monthly-report", "--community", cid, "--at", RUN_AT, "--json").stdout
    )
    assert sent["status"] == "sent" and sent["period"] == "2026-11"
    assert sent["summary"]["report_to"] == "admin-chat"
    message = sent["parts"][0]
    text = cli("report", "monthly", "--community", cid, "--month", "2026-11").stdout
    assert text.strip() == message.strip()  # the stored report reads as it was sent
    rows = list(
        csv.DictReader(
            io.StringIO(
                cli("report", "monthly", "--community", cid, "--month", "2026-11", "--csv").stdout
            )
        )
    )
    assert list(rows[0]) == [
        "user_id",
        "name",
        "role",
        "squad",
        "tier",
        "last_active",
        "checkins",
        "homework_missed_in_a_row",
        "warned_rule",
        "candidate_rule",
        "cohort",
    ]
    assert {r["cohort"] for r in rows} == {""}  # no cohort ran in November
    by_id = {r["user_id"]: r for r in rows}
    assert set(by_id) == {"boss", "amy", "ian", "olga"}
    assert by_id["olga"]["candidate_rule"] == "silent" and "Olga (inactivity)" in message
    assert by_id["ian"]["warned_rule"] == "silent" and "Warned (1): Ian (inactivity)" in message
    assert by_id["amy"]["squad"] == "A" and by_id["boss"]["role"] == "owner"
    for tier in ("active", "inactive"):
        count = sum(1 for r in rows if r["tier"] == tier)
        assert f"{tier} {count}" in message


def test_confirm_removals_from_the_cli_marks_records_and_asks_to_remove_by_hand(cli, cid):
    cli("report", "rules", "--community", cid, "--removal", "on")
    cli("job", "run", "monthly-report", "--community", cid, "--at", RUN_AT)
    args = ("report", "confirm-removals", "--community", cid, "--report", "2026-11")
    at = "2026-12-02T09:00:00+08:00"
    done = json.loads(cli(*args, "--by", "ops-alice", "--at", at, "--json").stdout)
    assert [r["user_id"] for r in done["removed"]] == ["olga"]
    assert done["by_hand"] == []  # the console removes members, as Telegram or Slack do
    with open_store() as store:
        olga = store.get_member(cid, "olga")
        [record] = removals(store.table, cid)
    assert olga.status.value == "removed" and olga.name == "Olga"
    assert (record["confirmed_by"], record["rule"], record["report"]) == (
        "ops-alice",
        "silent",
        "2026-11",
    )
    shown = cli("report", "monthly", "--community", cid, "--month", "2026-11").stdout
    assert "Removals confirmed by ops-alice on 2026-12-02" in shown


def test_confirm_removals_while_removal_is_off_fails_with_one_line(cli, cid):
    cli("job", "run", "monthly-report", "--community", cid, "--at", RUN_AT)
    args = ("--report", "2026-11", "--by", "x")
    error = fail(cli, "report", "confirm-removals", "--community", cid, *args)
    assert "removal is off for community" in error and "--removal on" in error
    with open_store() as store:
        assert store.get_member(cid, "olga").status.value == "active"


def test_moving_the_admin_chat_moves_its_binding_and_keeps_the_groups(cli, cid):
    cli("report", "rules", "--community", cid, "--admin-chat", "admins-1")
    cli("report", "rules", "--community", cid, "--admin-chat", "admins-2")
    with open_store() as store:
        assert store.find_community_by_chat("console", "admins-1") is None
        assert store.find_community_by_chat("console", "admins-2").id == cid
    cli("report", "rules", "--community", cid, "--admin-chat", "-")
    with open_store() as store:
        assert store.find_community_by_chat("console", "admins-2") is None
        assert store.find_community_by_chat("console", "room-1").id == cid
        assert store.get_community(cid).admin_chat_id is None


def test_report_errors_are_one_line(cli, cid):
    assert "like 2026-10" in fail(cli, "report", "monthly", "--community", cid, "--month", "11")
    assert "has not begun" in fail(
        cli, "report", "monthly", "--community", cid, "--month", "2027-01", "--at", RUN_AT
    )
    assert "unknown community" in fail(
        cli, "report", "monthly", "--community", "nope", "--month", "2026-11"
    )
    cli("report", "rules", "--community", cid, "--removal", "on")
    assert "no report 2026-10" in fail(
        cli, "report", "confirm-removals", "--community", cid, "--report", "2026-10", "--by", "x"
    )


def test_report_rules_names_where_the_report_really_goes():
    """Without an admin chat or the group, the monthly job sends the report to each admin
    by direct message: `report rules` must say so, not "nowhere"."""

    runner = CliRunner()
    created = runner.invoke(
        main,
        ["community", "create", "--name", "G", "--platform", "console", "--chat-id", "g-1"],
    )
    community_id = created.stdout.strip()
    shown = runner.invoke(main, ["report", "rules", "--community", community_id])
    assert shown.exit_code == 0, shown.output
    assert "each owner and admin by direct message" in shown.stdout
    assert "nowhere" not in shown.stdout
    moved = runner.invoke(
        main, ["report", "rules", "--community", community_id, "--admin-chat", "admins-1"]
    )
    assert "admin chat admins-1" in moved.stdout


def test_the_report_csv_of_a_cohorts_month_names_the_cohort_in_its_last_column(cli, cid):
    """The cohort's name is a column (CSV tools read no comment lines): the one that ran
    during the month on every line, guarded like every text cell; empty in other months."""
    added = cli(
        "cohort", "add", "--community", cid, "--name", "=第3期", "--start", "2026-11-10",
        "--end", "2026-12-20", "--at", "2026-11-01T09:00:00+08:00",
    )  # fmt: skip
    assert added.exit_code == 0
    args = ("report", "monthly", "--community", cid, "--at", RUN_AT)
    text = cli(*args, "--month", "2026-11", "--csv").stdout
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][-1] == "cohort" and len(rows) == 5
    assert {row[-1] for row in rows[1:]} == {"'=第3期"}  # a formula-like name, quoted
    data = json.loads(cli(*args, "--month", "2026-11", "--json").stdout)
    assert data["cohort"] == "=第3期" and {r["cohort"] for r in data["rows"]} == {"=第3期"}
    october = list(csv.DictReader(io.StringIO(cli(*args, "--month", "2026-10", "--csv").stdout)))
    assert october and {r["cohort"] for r in october} == {""}
