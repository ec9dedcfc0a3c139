"""The rollcall command, tried from outside as an operator would, on the embedded endpoint."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from rollcall.cli import main


def create(cli, *extra: str) -> str:
    result = cli(
        "community",
        "create",
        "--name",
        "晨读营",
        "--platform",
        "console",
        "--chat-id",
        "room-1",
        "--timezone",
        "Asia/Shanghai",
        "--locale",
        "zh-CN",
        "--json",
        *extra,
    )
    return json.loads(result.stdout)["id"]


def test_community_lifecycle_persists_between_commands(cli):
    cid = create(cli)
    listed = json.loads(cli("community", "list", "--json").stdout)
    assert [c["id"] for c in listed] == [cid]
    shown = json.loads(cli("community", "show", cid, "--json").stdout)
    assert shown["timezone"] == "Asia/Shanghai" and shown["members"] == 0
    cli("community", "update", cid, "--reminder-time", "20:30", "--locale", "en")
    shown = json.loads(cli("community", "show", cid, "--json").stdout)
    assert (shown["reminder_time"], shown["locale"]) == ("20:30", "en")
    cli(
        "community",
        "bind",
        "--community",
        cid,
        "--platform",
        "telegram",
        "--chat-id",
        "-100",
        "--move",
    )
    shown = json.loads(cli("community", "show", cid, "--json").stdout)
    assert (shown["platform"], shown["chat_id"]) == ("telegram", "-100")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("community", "show", "nope"), "unknown community 'nope'"),
        (
            (
                "community",
                "create",
                "--name",
                "x",
                "--platform",
                "console",
                "--chat-id",
                "r",
                "--timezone",
                "Mars/Base",
            ),
            "unknown timezone 'Mars/Base'",
        ),
        (
            ("community", "create", "--name", "x", "--platform", "icq", "--chat-id", "r"),
            "platform must be one of",
        ),
        (
            (
                "community",
                "create",
                "--name",
                "x",
                "--platform",
                "console",
                "--chat-id",
                "r",
                "--reminder-time",
                "9pm",
            ),
            "HH:MM",
        ),
        (("job", "run", "daily-reminder", "--community", "nope"), "unknown community"),
        (("job", "run", "daily-reminder", "--community", "x", "--at", "yesterday"), "ISO-8601"),
        (("job", "run", "nosuch", "--community", "x"), "'nosuch' is not one of"),
    ],
)
def test_bad_input_fails_with_one_line_and_no_traceback(cli, args, message):
    result = cli(*args, ok=False)
    assert result.exit_code != 0
    assert message in result.stderr
    assert "Traceback" not in result.output + result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_chat_cannot_be_bound_to_two_communities(cli):
    create(cli)
    result = cli(
        "community",
        "create",
        "--name",
        "again",
        "--platform",
        "console",
        "--chat-id",
        "room-1",
        ok=False,
    )
    assert result.exit_code == 1 and "already bound" in result.stderr


def test_member_import_updates_rather_than_duplicates_and_export_round_trips(cli, tmp_path):
    cid = create(cli)
    roster = tmp_path / "members.csv"
    roster.write_text(
        "user_id,name,role,squad,joined_at,username\n"
        "u1,王芳,owner,A,2026-11-01,wangfang\n"
        "u2,李娜,member,B,2026-11-02,\n",
        encoding="utf-8",
    )
    first = json.loads(cli("member", "import", "--community", cid, str(roster), "--json").stdout)
    assert (first["created"], first["updated"]) == (2, 0)
    roster.write_text(
        "user_id,name,role,squad,joined_at\n"
        "u2,李娜,leader,A,2026-11-02\n"
        "u3,张伟,member,B,2026-11-03\n",
        encoding="utf-8",
    )
    second = json.loads(cli("member", "import", "--community", cid, str(roster), "--json").stdout)
    assert (second["created"], second["updated"]) == (1, 1)
    exported = cli("member", "export", "--community", cid).stdout.splitlines()
    assert exported == [
        "user_id,name,role,squad,joined_at,username,points,level,position,duty_served",
        "u1,王芳,owner,A,2026-11-01,wangfang,0,新生,,0",
        "u2,李娜,leader,A,2026-11-02,,0,新生,,0",
        "u3,张伟,member,B,2026-11-03,,0,新生,,0",
    ]


@pytest.mark.parametrize(
    ("csv_text", "message"),
    [
        ("user_id,name\nu1,a\n", "missing column(s) role, squad, joined_at"),
        (
            "user_id,name,role,squad,joined_at\nu1,a,member,A,2026-11-01\nu2,b,boss,A,2026-11-01\n",
            "line 3: role must be one of",
        ),
        ("user_id,name,role,squad,joined_at\nu1,a,member,A,yesterday\n", "line 2: joined_at"),
        (
            "user_id,name,role,squad,joined_at\nu1,a,member,A,2026-11-01\nu1,b,member,A,2026-11-01\n",
            "line 3: user_id 'u1' repeats line 2",
        ),
        ("user_id,name,role,squad,joined_at\n,a,member,A,2026-11-01\n", "line 2: user_id is empty"),
        ("", "the file is empty: its first line must be the header user_id,name,"),
        ("user_id,name\nu1,a\n", "joined_at (username optional)"),
        ("user_id,name,role,squad,joined_at\nu1,a,member,A\n", "line 2: 4 fields, the header"),
    ],
)
def test_malformed_csv_is_refused_whole_with_its_line_number(cli, tmp_path, csv_text, message):
    cid = create(cli)
    path = tmp_path / "bad.csv"
    path.write_text(csv_text, encoding="utf-8")
    result = cli("member", "import", "--community", cid, str(path), ok=False)
    assert result.exit_code == 1 and message in result.stderr
    assert cli("member", "export", "--community", cid).stdout.count("\n") == 1


def test_job_run_dry_run_prints_the_reminder_and_records_nothing(cli, tmp_path):
    cid = create(cli)
    roster = tmp_path / "members.csv"
    roster.write_text(
        "user_id,name,role,squad,joined_at\nu1,王芳,member,A,2026-11-01\n", encoding="utf-8"
    )
    cli("member", "import", "--community", cid, str(roster))
    at = "2026-11-23T21:00:00+08:00"
    dry = cli("job", "run", "daily-reminder", "--community", cid, "--at", at, "--dry-run")
    assert "dry-run" in dry.stdout and "@王芳" in dry.stdout and "0/1" in dry.stdout
    # A dry run of a period's scheduled run does not claim the scheduler will find it done.
    report = cli("job", "run", "monthly-report", "--community", cid, "--dry-run").stdout
    assert "dry-run" in report and "scheduler will find it done" not in report
    sent = json.loads(
        cli("job", "run", "daily-reminder", "--community", cid, "--at", at, "--json").stdout
    )
    assert sent["status"] == "sent" and sent["period"] == "2026-11-23"
    again = json.loads(
        cli("job", "run", "daily-reminder", "--community", cid, "--at", at, "--json").stdout
    )
    assert again["status"] == "already-done"
    # A dry run after the real one says the period ran, rather than show it as if it would.
    after = cli("job", "run", "daily-reminder", "--community", cid, "--at", at, "--dry-run")
    assert "this period already ran" in after.stdout and "--force replays it" in after.stdout
    forced = cli("job", "run", "daily-reminder", "--community", cid, "--at", at, "--force")
    assert "sent" in forced.stdout


def test_infra_bootstrap_is_idempotent(cli):
    first = json.loads(cli("infra", "bootstrap", "--stage", "local", "--json").stdout)
    second = json.loads(cli("infra", "bootstrap", "--stage", "local", "--json").stdout)
    assert first["created"] is True and second["created"] is False
    assert first["table"] == "rollcall-local"


def _bound(platform: str, chat_id: str) -> str | None:
    from rollcall.context import open_store

    with open_store() as store:
        found = store.find_community_by_chat(platform, chat_id)
    return found.id if found else None


@pytest.fixture
def staffed(cli) -> str:
    """A console community with an owner, an admin, a member, an admin chat and a robot."""
    from datetime import date

    from chalicelib.domain.models import Role
    from rollcall.context import open_store
    from tests.helpers import member

    cid = create(cli, "--robot-webhook", "https://robot.example/hook", "--robot-secret", "s")
    cli("report", "rules", "--community", cid, "--admin-chat", "admins-1")
    with open_store() as store:
        store.bulk_save_members(
            member(user, community_id=cid, role=role, joined_at=date(2026, 11, 1))
            for user, role in (("o1", Role.OWNER), ("a1", Role.ADMIN), ("m1", Role.MEMBER))
        )
    return cid


def _roster(cid: str) -> dict[str, tuple[str, str]]:
    from rollcall.context import open_store

    with open_store() as store:
        return {m.user_id: (m.role.value, m.status.value) for m in store.list_members(cid)}


def test_binding_to_another_platform_is_refused_without_move(cli, staffed):
    before = (cli("community", "show", staffed, "--json").stdout, _roster(staffed))
    result = cli(
        "community", "bind", "--community", staffed, "--platform", "slack", "--chat-id", "C1",
        ok=False,
    )  # fmt: skip
    assert result.exit_code == 1 and len(result.stderr.strip().splitlines()) == 1
    assert "keyed by console user ids; give --move" in result.stderr
    assert (cli("community", "show", staffed, "--json").stdout, _roster(staffed)) == before
    assert _bound("console", "room-1") == staffed and _bound("console", "admins-1") == staffed
    assert _bound("slack", "C1") is None


def test_moving_to_another_platform_starts_over_and_says_what_it_did(cli, staffed):
    out = cli(
        "community", "bind", "--community", staffed, "--platform", "slack", "--chat-id", "C1",
        "--move", "--json",
    ).stdout  # fmt: skip
    done = json.loads(out)
    assert done["moved"] and done["released"] == ["console chat room-1", "console chat admins-1"]
    assert (done["members_marked_left"], done["roles_cleared"]) == (3, 2)
    assert done["admin_chat_cleared"] and done["robot_cleared"]
    assert _roster(staffed) == {u: ("member", "left") for u in ("o1", "a1", "m1")}
    shown = json.loads(cli("community", "show", staffed, "--json").stdout)
    assert (shown["platform"], shown["chat_id"]) == ("slack", "C1")
    assert "admin_chat_id" not in shown and "robot_webhook" not in shown
    assert _bound("slack", "C1") == staffed
    assert _bound("console", "room-1") is None and _bound("console", "admins-1") is None
    text = cli(
        "community", "bind", "--community", staffed, "--platform", "telegram", "--chat-id", "-1",
        "--move",
    ).stdout  # fmt: skip
    assert "released   slack chat C1" in text and "0 member(s) marked left" in text


def test_another_chat_on_the_same_platform_keeps_members_and_releases_the_old_chat(cli, staffed):
    before = _roster(staffed)
    out = cli("community", "bind", "--community", staffed, "--platform", "console", "--chat-id",
              "room-2").stdout  # fmt: skip
    assert "released   console chat room-1" in out
    assert _roster(staffed) == before
    assert _bound("console", "room-2") == staffed and _bound("console", "room-1") is None
    assert _bound("console", "admins-1") == staffed  # the admin chat is the same platform's
    shown = json.loads(cli("community", "show", staffed, "--json").stdout)
    assert shown["admin_chat_id"] == "admins-1" and shown["chat_id"] == "room-2"


def test_robot_secrets_are_never_printed_in_full(cli):
    cid = create(
        cli,
        "--robot-webhook",
        "https://open.feishu.cn/open-apis/bot/v2/hook/abcdef",
        "--robot-secret",
        "very-secret-value",
    )
    shown = cli("community", "show", cid, "--json").stdout
    assert "very-secret-value" not in shown and "abcdef" not in shown
    assert "very…" in shown


def test_created_community_has_its_jobs_scheduled_in_local_time(cli):
    cid = create(cli, "--reminder-time", "21:00")
    runs = json.loads(cli("community", "show", cid, "--json").stdout)["next_runs"]
    assert set(runs) == {
        "daily-reminder",
        "weekly-digest",
        "monthly-report",
        "monthly-stars",
        "quarterly-stars",
    }
    assert runs["monthly-stars"].endswith("T01:00:00+00:00")  # the 1st, 09:00 in Shanghai
    assert runs["daily-reminder"].endswith("T13:00:00+00:00")  # 21:00 Asia/Shanghai
    cli("community", "update", cid, "--reminder-time", "07:30", "--timezone", "Europe/Berlin")
    runs = json.loads(cli("community", "show", cid, "--json").stdout)["next_runs"]
    assert runs["daily-reminder"][11:16] in ("06:30", "05:30")  # CET or CEST


def test_routine_settings_can_be_changed_and_bad_ones_are_refused(cli):
    cid = create(cli)
    cli(
        "community",
        "update",
        cid,
        "--congratulate",
        "off",
        "--grace-days",
        "0",
        "--makeups-per-month",
        "4",
        "--deadline-weekday",
        "sat",
        "--deadline-time",
        "20:00",
        "--reviewers",
        "3",
        "--pause-cycle",
        "3",
        "--pause-cycle",
        "5",
        "--last-call-time",
        "23:00",
        "--jobs",
        "daily-reminder,weekly-digest",
    )
    shown = json.loads(cli("community", "show", cid, "--json").stdout)
    assert shown["congratulate_when_all_done"] is False and shown["grace_days"] == 0
    assert (shown["deadline_weekday"], shown["deadline_time"]) == (5, "20:00")
    assert shown["reviewers_per_submission"] == 3 and shown["paused_cycles"] == [3, 5]
    assert set(shown["next_runs"]) == {"daily-reminder", "weekly-digest"}
    cli("community", "update", cid, "--resume-cycle", "3", "--last-call-time", "off")
    shown = json.loads(cli("community", "show", cid, "--json").stdout)
    assert shown["paused_cycles"] == [5] and "last_call_time" not in shown
    for args, message in [
        (("--report-day", "30"), "report day"),
        (("--deadline-weekday", "someday"), "deadline weekday"),
        (("--grace-days", "-1"), "grace days must be between 0 and 60"),
        (("--jobs", "dance"), "unknown jobs"),
    ]:
        result = cli("community", "update", cid, *args, ok=False)
        assert result.exit_code == 1 and message in result.stderr


def test_infra_policy_prints_one_functions_policy_as_committed(cli):
    from pathlib import Path

    out = cli("infra", "policy", "--stage", "prod", "--function", "dispatch_due_jobs").stdout
    committed = Path(__file__).resolve().parents[2] / ".chalice"
    assert out == (committed / "policy-prod-dispatch_due_jobs.json").read_text()
    refused = cli("infra", "policy", "--stage", "prod", ok=False)
    assert refused.exit_code == 1 and "give either --function NAME or --write" in refused.stderr


def test_job_run_that_finds_another_runs_lease_exits_non_zero(cli):
    """A run another worker holds (busy) or that failed is no success: exit 1, with what
    happened printed."""
    from datetime import UTC, datetime, timedelta

    from chalicelib.store import runs
    from rollcall.context import open_store

    cid = create(cli)
    at = "2026-11-23T21:00:00+08:00"
    with open_store() as store:
        runs.claim_run(
            store.table,
            cid,
            "daily-reminder",
            "2026-11-23",
            datetime.now(UTC),
            lease=timedelta(minutes=5),
            run_id="someone-else",
        )
    result = CliRunner().invoke(
        main, ["job", "run", "daily-reminder", "--community", cid, "--at", at]
    )
    assert result.exit_code == 1
    assert "busy" in result.stdout and "another worker holds this run" in result.stdout


def test_member_export_shows_points_and_the_level_by_name_and_the_ladder_is_a_setting(cli):
    from chalicelib.store.points import save_points
    from rollcall.context import open_store
    from tests.helpers import member

    cid = create(cli)
    with open_store() as store:
        store.bulk_save_members([member("u1", community_id=cid, name="Ann", role="member")])
        save_points(store.table, cid, "u1", version=0, fields={"points": 42, "level": 2})
    exported = cli("member", "export", "--community", cid).stdout.splitlines()
    assert exported[1].endswith(",42,学员,,0")
    cli("community", "update", cid, "--level-points", "0,10,20", "--level-names", "a,b,c")
    assert cli("member", "export", "--community", cid).stdout.splitlines()[1].endswith(",42,b,,0")
    refused = cli("community", "update", cid, "--level-points", "0,20,10", ok=False)
    assert refused.exit_code != 0
    assert "level points must be strictly increasing" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    shown = json.loads(cli("community", "show", cid, "--json").stdout)
    assert shown["level_points"] == [0, 10, 20]


def test_the_month_s_stars_run_by_hand_once_and_a_dry_run_records_nothing(cli):
    from datetime import date

    from chalicelib.store.checkins import record_checkin
    from rollcall.context import open_store
    from tests.helpers import member

    cid = create(cli)
    with open_store() as store:
        store.bulk_save_members([member("u1", community_id=cid, name="王芳")])
        # created today, after November: a community's start unknown (as for one stored
        # before creation dates were kept) means November counts
        stored = store.get_community(cid)
        store.update_community(stored, created_at=None)
        for day in (3, 4, 5):
            record_checkin(store.table, cid, "u1", date(2026, 11, day), stored.created_at)
    at = "2026-12-01T09:00:00+08:00"
    dry = cli("job", "run", "monthly-stars", "--community", cid, "--at", at, "--dry-run")
    assert "打卡之星：王芳（打卡 3 天）" in dry.stdout
    sent = json.loads(
        cli("job", "run", "monthly-stars", "--community", cid, "--at", at, "--json").stdout
    )
    assert sent["status"] == "sent" and sent["period"] == "2026-11"
    again = json.loads(
        cli("job", "run", "monthly-stars", "--community", cid, "--at", at, "--json").stdout
    )
    assert again["status"] == "already-done"
    with open_store() as store:
        [item] = [i for i in store.table.query(f"C#{cid}", prefix="STAR#")]
    assert item["period"] == "2026-11" and item["awards"]["checkins"][0]["user_id"] == "u1"


def test_job_run_offers_every_job_the_registry_declares(cli):
    """`rollcall job run NAME` takes each job the registry declares (a new job needs no
    second list in the CLI), and a misspelt one is one usage line naming them all."""
    from chalicelib.jobs.registry import job_names

    usage = cli("job", "run", "--help").stdout
    flat = " ".join(usage.split())
    listed = flat.replace("- ", "-").split("JOB is one of: ")[1].split(".")[0].split(", ")
    assert tuple(listed) == job_names()  # the help's list is the registry's, in its order
    wrong = cli("job", "run", "quarterly-starz", "--community", "x", ok=False)
    assert wrong.exit_code == 2
    assert "invalid value for 'JOB'" in wrong.stderr  # the list once, not twice
    assert "quarterly-stars" in wrong.stderr and "sessions" in wrong.stderr
