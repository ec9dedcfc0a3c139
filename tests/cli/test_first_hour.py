"""An operator's first hour with the CLI (issue #17): errors in one line, the everyday
member commands, local times, defaults in --help, and read-only commands that answer
without starting the embedded endpoint."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest

from rollcall.cli import main

ROOT = Path(__file__).resolve().parents[2]


def create(cli, *extra: str) -> str:
    args = ("--name", "Writers", "--platform", "console", "--chat-id", "room-1", *extra)
    return cli("community", "create", "--timezone", "Asia/Shanghai", *args).stdout.strip()


ROSTER = (
    "user_id,name,role,squad,joined_at\n"
    "u1,Ann,owner,A,2026-11-01\n"
    "u2,Bob,member,A,2026-11-02\n"
    "u3,Cy,leader,B,2026-11-03\n"
)


# -- errors in one line -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ("community", "create", "--fooo"),
            "error: no such option '--fooo' (try: rollcall community create --help)",
        ),
        (("communty",), "error: no such command 'communty'"),
        (
            ("community", "show"),
            "error: missing argument 'COMMUNITY_ID' (try: rollcall community show --help)",
        ),
        (("member", "list", "--status", "gone", "--community", "c"), "error: invalid value"),
        (("--fooo",), "error: no such option '--fooo' (try: rollcall --help)"),
    ],
)
def test_a_usage_error_is_one_line_with_where_to_look_and_exit_2(cli, args, line):
    """click's own usage errors take three lines (usage, hint, error); the docs promise one."""
    result = cli(*args, ok=False)
    assert result.exit_code == 2
    assert result.stderr.startswith(line)
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert result.stdout == ""


def test_a_missing_file_is_named_without_errno(cli, tmp_path):
    cid = create(cli)
    missing = tmp_path / "roster.csv"
    result = cli("member", "import", "--community", cid, str(missing), ok=False)
    assert result.exit_code == 1
    assert result.stderr == f"error: no such file: {missing}\n"


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ("report", "monthly", "--community", "{cid}", "--month", "2026-11", "--csv", "--json"),
            "error: give either --csv or --json, not both",
        ),
        (
            ("report", "rules", "--community", "{cid}", "--set", "[]", "--defaults"),
            "error: give either --set or --defaults, not both",
        ),
        (
            ("community", "update", "{cid}"),
            "error: nothing to change: give at least one option "
            "(try: rollcall community update --help)",
        ),
    ],
)
def test_options_that_cannot_go_together_are_a_usage_error(cli, args, line):
    """--csv --json used to print CSV and ignore --json."""
    cid = create(cli)
    result = cli(*(a.format(cid=cid) for a in args), ok=False)
    assert result.exit_code == 2
    assert result.stderr.startswith(line)
    assert len(result.stderr.strip().splitlines()) == 1 and result.stdout == ""


# -- members ----------------------------------------------------------------------------


def test_community_list_lines_up_its_columns_whatever_the_ids(cli):
    create(cli, "--id", "a")
    create(cli, "--id", "a-much-longer-id", "--chat-id", "room-2")
    lines = cli("community", "list").stdout.splitlines()
    assert len(lines) == 2 and len({line.index("console") for line in lines}) == 1


def test_member_add_list_and_remove_keep_history(cli):
    cid = create(cli)
    added = json.loads(
        cli(
            "member", "add", "--community", cid, "u1", "--name", "Ann", "--role", "admin",
            "--squad", "A", "--json",
        ).stdout
    )  # fmt: skip
    assert added["outcome"] == "added"
    # The name once (not "u2 u2"), with the id beside it when they differ.
    assert cli("member", "add", "--community", cid, "u2").stdout.strip() == "added u2, member"
    renamed = cli("member", "add", "--community", cid, "u2", "--name", "Bo").stdout.strip()
    assert renamed == "updated Bo (u2), member"
    cli("member", "add", "--community", cid, "u2", "--name", "u2")
    listed = json.loads(cli("member", "list", "--community", cid, "--json").stdout)
    assert [(m["user_id"], m["name"], m["role"]) for m in listed] == [
        ("u1", "Ann", "admin"),
        ("u2", "u2", "member"),
    ]
    assert listed[1]["joined_at"]  # today, in the community's timezone
    removed = cli("member", "remove", "--community", cid, "u2")
    assert removed.stdout.strip() == "u2 marked as left (history kept)"
    present = json.loads(
        cli("member", "list", "--community", cid, "--status", "present", "--json").stdout
    )
    assert [m["user_id"] for m in present] == ["u1"]
    left = json.loads(
        cli("member", "list", "--community", cid, "--status", "left", "--json").stdout
    )
    assert [(m["user_id"], m["status"]) for m in left] == [("u2", "left")]
    back = json.loads(cli("member", "add", "--community", cid, "u2", "--json").stdout)
    assert back["outcome"] == "back"
    assert cli("member", "remove", "--community", cid, "u1").exit_code == 0
    again = cli("member", "remove", "--community", cid, "u1")
    assert again.stdout.strip() == "u1 had left already"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("member", "add", "--community", "{cid}", "u1", "--role", "boss"), "role must be one"),
        (("member", "add", "--community", "nope", "u1"), "unknown community 'nope'"),
        (("member", "add", "--community", "{cid}", " "), "user id must not be empty"),
        (("member", "add", "--community", "{cid}", "u1", "--name", ""), "name must not be"),
        (("member", "remove", "--community", "{cid}", "u9"), "unknown member 'u9'"),
        (("member", "list", "--community", "{cid}", "--role", "boss"), "role must be one"),
    ],
)
def test_member_commands_refuse_bad_input_in_one_line(cli, args, message):
    cid = create(cli)
    result = cli(*(a.format(cid=cid) for a in args), ok=False)
    assert result.exit_code == 1 and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert json.loads(cli("member", "list", "--community", cid, "--json").stdout) == []


def test_member_list_filters_by_role_and_squad(cli):
    cid = create(cli)
    cli("member", "import", "--community", cid, "-", input=ROSTER)
    by_squad = cli("member", "list", "--community", cid, "--squad", "A").stdout.splitlines()
    assert [line.split()[0] for line in by_squad] == ["user_id", "u1", "u2"]
    assert by_squad[0].split() == ["user_id", "name", "role", "squad", "status", "joined"]
    leaders = json.loads(
        cli("member", "list", "--community", cid, "--role", "leader", "--json").stdout
    )
    assert [m["user_id"] for m in leaders] == ["u3"]


def test_member_import_reads_standard_input_and_export_says_what_it_wrote(cli, tmp_path):
    cid = create(cli)
    imported = cli("member", "import", "--community", cid, "-", input=ROSTER)
    assert imported.stdout.strip() == "3 added, 0 updated"
    out = tmp_path / "roster.csv"
    exported = cli("member", "export", "--community", cid, "-o", str(out))
    assert exported.stdout == f"wrote 3 members to {out}\n"
    assert out.read_text(encoding="utf-8").splitlines()[1] == "u1,Ann,owner,A,2026-11-01,,0,新生,,0"


def test_a_malformed_roster_on_standard_input_is_named_stdin(cli):
    cid = create(cli)
    result = cli(
        "member", "import", "--community", cid, "-", input="user_id,name\nu1,a\n", ok=False
    )
    assert result.exit_code == 1 and result.stderr.startswith("error: <stdin>: line 1: missing")


# -- show, help -------------------------------------------------------------------------


def test_show_gives_next_runs_in_local_time_and_the_deadline_weekday(cli):
    cid = create(cli, "--reminder-time", "21:00", "--deadline-weekday", "sat")
    text = cli("community", "show", cid).stdout
    reminder = next(line for line in text.splitlines() if "daily-reminder" in line)
    assert reminder.rstrip().endswith("21:00 Asia/Shanghai")
    assert "deadline sat 23:59" in text
    runs = json.loads(cli("community", "show", cid, "--json").stdout)["next_runs"]
    assert runs["daily-reminder"].endswith("T13:00:00+00:00")  # --json keeps UTC


def _commands(command: click.Command, ctx: click.Context):
    yield command, ctx
    for name, sub in getattr(command, "commands", {}).items():
        yield from _commands(sub, click.Context(sub, info_name=name, parent=ctx))


def test_every_option_with_a_default_shows_it_in_help():
    root = click.Context(main, info_name="rollcall", **main.context_settings)
    missing = []
    for command, ctx in _commands(main, root):
        for param in command.params:
            if not isinstance(param, click.Option) or param.is_flag:
                continue
            default = param.get_default(ctx, call=False)
            if param.hidden or default is None or default == () or "UNSET" in repr(default):
                continue
            record = param.get_help_record(ctx)
            if record is None or "default:" not in record[1]:
                missing.append(f"{ctx.command_path} {param.opts[0]}")
    assert missing == []


def test_create_help_shows_a_new_communitys_defaults(cli):
    text = " ".join(cli("community", "create", "--help").stdout.split())
    for shown in ("[default: 21:00]", "[default: Asia/Shanghai]", "[default: sun]"):
        assert shown in text


# -- speed ------------------------------------------------------------------------------

_PROBE = """
import sys
from rollcall.cli import main
try:
    main(sys.argv[1:], prog_name="rollcall")
except SystemExit as done:
    assert not done.code, done.code
print("moto loaded:", "moto.server" in sys.modules, file=sys.stderr)
"""


def _probe(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-c", _PROBE, *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    "args",
    [
        ("community", "list"),
        ("community", "show", "{cid}", "--json"),
        ("member", "list", "--community", "{cid}"),
        ("member", "export", "--community", "{cid}"),
        ("report", "monthly", "--community", "{cid}", "--month", "2026-11"),
    ],
)
def test_read_only_commands_start_no_server_and_see_the_saved_state(cli, args):
    """Starting moto and restoring the snapshot cost 5-8 s with 2,000 members; a command
    that only reads takes the snapshot as it is. Writes made by earlier commands show."""
    cid = create(cli)
    cli("member", "import", "--community", cid, "-", input=ROSTER)
    probed = _probe(*(a.format(cid=cid) for a in args))
    assert probed.returncode == 0, probed.stderr
    assert "moto loaded: False" in probed.stderr
    assert probed.stdout.strip()
    if args[0] == "community":  # the community created above, from the snapshot
        assert cid in probed.stdout


def test_a_write_starts_no_server_either_and_is_kept(cli):
    """Writes took ~5 s at 2,000 members too (moto started, every item restored, every item
    scanned back): they now load the snapshot's table in memory and save it back."""
    cid = create(cli)
    probed = _probe("member", "add", "--community", cid, "u7")
    assert probed.returncode == 0, probed.stderr
    assert "moto loaded: False" in probed.stderr
    listed = json.loads(cli("member", "list", "--community", cid, "--json").stdout)
    assert [m["user_id"] for m in listed] == ["u7"]
    # The saved state is still a snapshot the embedded endpoint restores (a job run uses it).
    ran = cli("job", "run", "daily-reminder", "--community", cid, "--dry-run")
    assert f"daily-reminder for {cid}" in ran.stdout and "dry-run" in ran.stdout


def test_a_writer_holds_the_state_lock_until_its_save():
    """While one command has the snapshot's table in memory, another cannot take it: it
    would read the snapshot before the first one's save and then save over it."""
    import fcntl

    from rollcall import local

    lock = local.state_dir() / "state.lock"
    with (
        local.snapshot_table("rollcall-lock-test"),
        open(lock, "a+") as other,
        pytest.raises(BlockingIOError),
    ):
        fcntl.flock(other.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    with open(lock, "a+") as other:
        fcntl.flock(other.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)  # free after the save


def test_a_job_run_on_the_embedded_endpoint_holds_the_state_lock_too():
    """`rollcall job run` restores the snapshot into moto and saves it back at its end: a
    `member add` in between would be overwritten by that save unless it waits."""
    import fcntl

    from rollcall import local

    lock = local.state_dir() / "state.lock"
    with local.local_endpoint(), open(lock, "a+") as other, pytest.raises(BlockingIOError):
        fcntl.flock(other.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)


def test_writers_at_the_same_time_lose_nothing(cli):
    """Each write command reads the snapshot and saves it whole: without the lock beside it,
    the later save would drop the earlier command's member."""
    cid = create(cli)
    env = {**os.environ, "ROLLCALL_HOME": os.environ["ROLLCALL_HOME"]}
    writers = [
        subprocess.Popen(
            [sys.executable, "-m", "rollcall.cli", "member", "add", "--community", cid, f"w{n}"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(4)
    ]
    for writer in writers:
        _out, err = writer.communicate(timeout=120)
        assert writer.returncode == 0, err
    listed = json.loads(cli("member", "list", "--community", cid, "--json").stdout)
    assert sorted(m["user_id"] for m in listed) == ["w0", "w1", "w2", "w3"]


def test_an_imported_or_added_member_is_watched_from_that_day_and_a_return_starts_afresh(cli):
    """An imported joined_at is history, not observation (docs/counting.md): rollcall
    watches a member from the day it learnt of them; one added back after leaving starts a
    new membership (fresh grace, no warning, no streak)."""
    from dataclasses import replace
    from datetime import UTC, datetime

    from chalicelib.domain.models import MemberStatus
    from rollcall.context import open_store

    community_id = create(cli)
    cli("member", "import", "--community", community_id, "-", input=ROSTER)
    with open_store() as store:
        today = store.get_community(community_id).calendar.local_date(datetime.now(UTC))
        imported = store.get_member(community_id, "u2")
        assert imported.joined_at.isoformat() == "2026-11-02"
        assert imported.observed_since == today
        store.save_member(
            replace(imported, status=MemberStatus.LEFT, warned_rule="silent", current_streak=9)
        )
    cli("member", "add", "--community", community_id, "u2")
    with open_store() as store:
        back = store.get_member(community_id, "u2")
    assert back.is_present and back.joined_at == today and back.observed_since == today
    assert back.warned_rule is None and back.current_streak == 0


@pytest.mark.parametrize(
    ("url", "service"),
    [
        ("https://ssm.eu-west-1.amazonaws.com/", "SSM Parameter Store"),
        ("https://sqs.eu-west-1.amazonaws.com/", "SQS"),
        ("https://dynamodb.eu-west-1.amazonaws.com/", "DynamoDB"),
        ("http://127.0.0.1:5000/", "AWS at 127.0.0.1"),
    ],
)
def test_an_unreachable_service_is_named_in_the_one_line_error(url, service):
    from botocore.exceptions import EndpointConnectionError

    from rollcall.cli import _boto_error

    line = _boto_error(EndpointConnectionError(endpoint_url=url))
    assert line.startswith(f"cannot reach {service}:") and "\n" not in line


def test_community_schedule_gives_an_older_community_the_jobs_added_since(cli):
    """A deployed community created before roster-sync existed has no pointer for it; the
    upgrade step `rollcall community schedule --all` adds what is missing, once."""
    from chalicelib.store import keys
    from rollcall.context import open_store

    cid = cli(
        "community", "create", "--name", "Old", "--platform", "slack", "--chat-id", "C0LD"
    ).stdout.strip()
    with open_store() as store:
        assert store.table.delete(keys.community_pk(cid), keys.due_item_sk("roster-sync"))
    assert cli("community", "schedule", "--all").stdout.strip() == f"{cid}  scheduled new jobs"
    with open_store() as store:
        assert store.table.get(keys.community_pk(cid), keys.due_item_sk("roster-sync"))
    assert cli("community", "schedule", cid).stdout.strip() == f"{cid}  up to date"
    refused = cli("community", "schedule", ok=False)
    assert refused.exit_code == 1 and "--all" in refused.stderr
