"""The ``rollcall`` command, for community operators and ops.

Every command takes ``--json`` and fails with one line on standard error and a non-zero
exit on bad input, never a traceback.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import click

from chalicelib.domain.models import (
    JOBS,
    Community,
    InvalidValue,
    parse_hhmm,
    parse_locale,
    parse_platform,
    parse_timezone,
)
from chalicelib.store.repository import AlreadyBound, NotFound, new_community_id

EXPECTED_ERRORS: tuple[type[Exception], ...] = (
    InvalidValue,
    NotFound,
    AlreadyBound,
    ValueError,
    OSError,
)


class Failure(click.ClickException):
    """One line, non-zero exit."""

    def show(self, file: Any = None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)


def friendly(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn expected failures (bad input, unknown ids, unreachable endpoint) into one line."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError

        from rollcall.local import LocalStateError

        try:
            return func(*args, **kwargs)
        except click.ClickException:
            raise
        except (*EXPECTED_ERRORS, LocalStateError) as error:
            raise Failure(str(error)) from None
        except ClientError as error:
            raise Failure(f"AWS said: {error.response['Error'].get('Message', error)}") from None
        except BotoCoreError as error:
            raise Failure(f"cannot reach DynamoDB: {error}") from None

    return wrapper


def emit(data: Any, as_json: bool, text: str | None = None) -> None:
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    elif text is not None:
        click.echo(text)


json_option = click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="rollcall")
def main() -> None:
    """rollcall: daily check-ins, weekly homework and monthly reports for chat communities."""


# -- infra ------------------------------------------------------------------------------


@main.group()
def infra() -> None:
    """Create what chalice does not: the table, queues, alarms (and the deploy files)."""


@infra.command("bootstrap")
@click.option("--stage", default=None, help="Stage name (default: $ROLLCALL_STAGE or local).")
@json_option
@friendly
def infra_bootstrap(stage: str | None, as_json: bool) -> None:
    """Create or update the stage's table, queues, alarms and log groups. Idempotent.

    The local stage gets its table only (on the embedded or configured endpoint). Deployed
    stages get everything `chalice package --merge-template` would create, in the AWS
    account of the environment (or AWS_ENDPOINT_URL). Run it before the first
    `chalice deploy`, and again after it to turn on partial batch failures for the worker.
    """
    import os

    from chalicelib.config import Settings
    from chalicelib.runtime import make_dynamodb_client
    from rollcall.context import endpoint
    from rollcall.infra import Bootstrap, Clients, Stage, summarize

    previous = os.environ.get("ROLLCALL_STAGE")
    if stage:
        os.environ["ROLLCALL_STAGE"] = stage  # endpoint() and Settings read it
    try:
        with endpoint() as url:
            settings = Settings.from_env()
            name = settings.stage
            dynamodb = make_dynamodb_client(settings)
            if name == "local":
                target = Stage(name, settings.table_name, settings.queue_name)
                changes = Bootstrap(target, Clients(dynamodb=dynamodb)).run(table_only=True)
            else:
                target = Stage.load(name)
                clients = Clients.create(settings.region, dynamodb)
                changes = Bootstrap(target, clients).run()
    finally:
        if previous is None:
            os.environ.pop("ROLLCALL_STAGE", None)
        else:
            os.environ["ROLLCALL_STAGE"] = previous
    table_created = any(c.kind == "table" and c.action == "created" for c in changes)
    result = {
        "stage": name,
        "table": target.table,
        "created": table_created,
        "endpoint": url or "aws",
        "resources": [c.as_dict() for c in changes],
    }
    emit(result, as_json, f"{summarize(changes)}\n(stage {name}, {url or 'AWS'})")


@infra.command("template")
@click.option("--stage", required=True, help="A stage of .chalice/config.json, e.g. dev, prod.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path))
@friendly
def infra_template(stage: str, output: Path | None) -> None:
    """Write the CloudFormation resources to merge into `chalice package`'s template."""
    from rollcall.infra import Stage, merge_template, to_json

    _write(to_json(merge_template(Stage.load(stage))), output)


@infra.command("policy")
@click.option("--stage", required=True, help="A stage of .chalice/config.json, e.g. dev, prod.")
@click.option(
    "--function",
    "function",
    type=click.Choice(["api_handler", "dispatch_due_jobs", "run_queued_jobs"]),
    help="One function's policy, to standard output (or -o).",
)
@click.option("--write", is_flag=True, help="Write every function's file into .chalice/.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--partition", default="aws", show_default=True, help="aws-cn in China.")
@click.option("--region", default="*", show_default=True, help="Pin the policy to a region.")
@click.option("--account", default="*", show_default=True, help="Pin it to an account id.")
@friendly
def infra_policy(
    stage: str,
    function: str | None,
    write: bool,
    output: Path | None,
    partition: str,
    region: str,
    account: str,
) -> None:
    """The least-privilege IAM policy of each of the stage's functions
    (.chalice/policy-<stage>-<function>.json: what that function's code calls)."""
    from rollcall.infra import PROJECT_DIR, Stage, policies, policy, to_json

    pins = {"partition": partition, "region": region, "account": account}
    if write == (function is not None):
        raise Failure("give either --function NAME or --write")
    loaded = Stage.load(stage)
    if function is not None:
        _write(to_json(policy(loaded, function, **pins)), output)
        return
    if output is not None:
        raise Failure("--write writes into .chalice/; -o goes with --function")
    for name, document in policies(loaded, **pins).items():
        _write(to_json(document), PROJECT_DIR / ".chalice" / name)
        click.echo(f"wrote .chalice/{name}")


def _write(text: str, output: Path | None) -> None:
    if output is None:
        click.echo(text, nl=False)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")


# -- communities ------------------------------------------------------------------------


def mask(secret: str) -> str:
    """Enough to recognise a secret, never enough to use it."""
    return secret[:4] + "…" if len(secret) > 8 else "…"


def community_dict(c: Community) -> dict[str, Any]:
    from chalicelib.store.records import to_fields

    data = to_fields(c)
    for name in ("robot_webhook", "robot_secret"):
        if name in data:
            data[name] = mask(data[name])
    return data


def describe(c: Community) -> str:
    return (
        f"{c.id}  {c.name}\n"
        f"  platform   {c.platform}  chat {c.chat_id}\n"
        f"  timezone   {c.timezone}  locale {c.locale}  day ends {c.day_boundary}\n"
        f"  reminder   {c.reminder_time}"
        + (f"  last call {c.last_call_time}" if c.last_call_time else "")
        + "\n"
        f"  homework   every {c.cycle_length_days} days, deadline {c.deadline_time}\n"
        f"  report     day {c.report_day} at {c.report_time}"
    )


@main.group()
def community() -> None:
    """Create, list, show, update and bind communities."""


def _settings_options(func: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option("--timezone", help="IANA timezone, e.g. Asia/Shanghai."),
        click.option("--locale", help="zh-CN or en."),
        click.option("--reminder-time", help="Daily reminder, HH:MM local."),
        click.option("--last-call-time", help="Optional second reminder, HH:MM local."),
        click.option("--day-boundary", help="When the community's day ends, HH:MM (00:00)."),
        click.option("--report-time", help="Monthly report time, HH:MM local."),
        click.option("--robot-webhook", help="Group robot URL (Feishu, DingTalk, WeCom)."),
        click.option("--robot-secret", help="Group robot signing secret (加签)."),
        click.option(
            "--congratulate",
            type=click.Choice(["on", "off"]),
            help="Post a congratulation when everyone checked in (on).",
        ),
        click.option("--grace-days", type=int, help="New members are not reminded (2)."),
        click.option("--makeup-window-days", type=int, help="补卡 reaches this far back (3)."),
        click.option("--makeups-per-month", type=int, help="补卡 allowed per month (2)."),
        click.option("--max-leave-days", type=int, help="Longest 请假 (14)."),
        click.option("--cycle-anchor", help="First homework cycle starts on (ISO date)."),
        click.option("--cycle-length-days", type=int, help="Homework cycle length (7)."),
        click.option("--deadline-weekday", help="Weekly deadline day: mon..sun (sun)."),
        click.option("--deadline-time", help="Homework deadline, HH:MM local (23:59)."),
        click.option("--late-grace-hours", type=int, help="Late work accepted for (48)."),
        click.option("--reviewers", type=int, help="Peer reviewers per submission (2)."),
        click.option(
            "--digest-offset-minutes",
            type=int,
            help="Weekly digest this long after the deadline (60).",
        ),
        click.option(
            "--pause-cycle",
            type=int,
            multiple=True,
            help="Pause homework cycle N (a holiday week); repeatable.",
        ),
        click.option("--resume-cycle", type=int, multiple=True, help="Undo --pause-cycle N."),
        click.option("--report-day", type=int, help="Monthly report day of month, 1-28 (1)."),
        click.option("--jobs", help="Comma-separated jobs this community runs (all three)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _setting_changes(**given: str | None) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    if given.get("timezone"):
        changes["timezone"] = parse_timezone(given["timezone"])
    if given.get("locale"):
        changes["locale"] = parse_locale(given["locale"])
    for name in ("reminder_time", "last_call_time", "day_boundary", "report_time"):
        value = given.get(name)
        if value and not (name == "last_call_time" and value in ("-", "off")):
            parse_hhmm(value, name.replace("_", " "))
            changes[name] = value
    if given.get("robot_webhook"):
        url = given["robot_webhook"].strip()
        # A full URL must be https; DingTalk and WeCom robots may also be given by their
        # access token / key alone, which the adapters combine with the API base.
        if "://" in url and not url.startswith("https://"):
            raise InvalidValue("robot webhook must be an https:// URL (or the robot's key)")
        changes["robot_webhook"] = url
    if given.get("robot_secret"):
        changes["robot_secret"] = given["robot_secret"].strip()
    if given.get("last_call_time") in ("-", "off"):
        changes["last_call_time"] = None
    if given.get("congratulate"):
        changes["congratulate_when_all_done"] = given["congratulate"] == "on"
    for name, field_name in (
        ("grace_days", "grace_days"),
        ("makeup_window_days", "makeup_window_days"),
        ("makeups_per_month", "makeups_per_month"),
        ("max_leave_days", "max_leave_days"),
        ("cycle_length_days", "cycle_length_days"),
        ("late_grace_hours", "late_grace_hours"),
        ("reviewers", "reviewers_per_submission"),
        ("digest_offset_minutes", "digest_offset_minutes"),
        ("report_day", "report_day"),
    ):
        if given.get(name) is not None:
            changes[field_name] = given[name]
    if given.get("deadline_time"):
        parse_hhmm(given["deadline_time"], "deadline time")
        changes["deadline_time"] = given["deadline_time"]
    if given.get("deadline_weekday"):
        changes["deadline_weekday"] = _weekday(given["deadline_weekday"])
    if given.get("cycle_anchor"):
        try:
            changes["cycle_anchor"] = date.fromisoformat(given["cycle_anchor"])
        except ValueError:
            raise InvalidValue("cycle anchor must be an ISO date like 2026-11-02") from None
    if given.get("jobs"):
        changes["jobs"] = tuple(j.strip() for j in given["jobs"].split(",") if j.strip())
    return changes


_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _weekday(value: str) -> int:
    text = value.strip().lower()[:3]
    if text in _WEEKDAYS:
        return _WEEKDAYS.index(text)
    if text.isdigit() and 0 <= int(text) <= 6:
        return int(text)
    raise InvalidValue(f"deadline weekday must be one of {', '.join(_WEEKDAYS)}, got {value!r}")


def _paused(
    current: tuple[int, ...], pause: tuple[int, ...], resume: tuple[int, ...]
) -> tuple[int, ...] | None:
    """The new paused cycles, or None when neither option was given."""
    if not pause and not resume:
        return None
    if any(n < 1 for n in pause):
        raise InvalidValue("cycle numbers start at 1")
    return tuple(sorted((set(current) | set(pause)) - set(resume)))


@community.command("create")
@click.option("--name", required=True)
@click.option(
    "--platform",
    required=True,
    help="slack, discord, telegram, feishu (lark), dingtalk, wecom or console.",
)
@click.option("--chat-id", required=True, help="The group chat's id on that platform.")
@_settings_options
@click.option("--id", "community_id", help="Choose the id (default: generated).")
@json_option
@friendly
def community_create(
    name: str,
    platform: str,
    chat_id: str,
    community_id: str | None,
    as_json: bool,
    **settings: str | None,
) -> None:
    """Create a community for one group chat; prints its id."""
    from datetime import UTC, datetime

    from chalicelib.jobs.scheduling import schedule_community
    from rollcall.context import open_store

    pause, resume = settings.pop("pause_cycle", ()), settings.pop("resume_cycle", ())
    changes = _setting_changes(**settings)
    paused = _paused((), pause, resume)  # type: ignore[arg-type]
    if paused is not None:
        changes["paused_cycles"] = paused
    new = Community(
        id=community_id or new_community_id(),
        name=name,
        platform=parse_platform(platform),
        chat_id=chat_id,
        created_at=datetime.now(UTC).replace(microsecond=0),
        **{"timezone": "Asia/Shanghai", "locale": "zh-CN", **changes},
    )
    with open_store() as store:
        store.create_community(new)
        schedule_community(store.table, new, datetime.now(UTC))
    emit({"id": new.id}, as_json, new.id)


@community.command("list")
@json_option
@friendly
def community_list(as_json: bool) -> None:
    """All communities, oldest first."""
    from rollcall.context import open_store

    with open_store() as store:
        found = list(store.list_communities())
    lines = [f"{c.id}  {c.platform:<9} {c.timezone:<20} {c.locale:<5} {c.name}" for c in found]
    emit([community_dict(c) for c in found], as_json, "\n".join(lines) or "no communities yet")


@community.command("show")
@click.argument("community_id")
@json_option
@friendly
def community_show(community_id: str, as_json: bool) -> None:
    """One community's settings."""
    from chalicelib.store import keys
    from rollcall.context import open_store

    with open_store() as store:
        found = store.get_community(community_id)
        members = sum(1 for _ in store.list_members(community_id))
        due = store.table.query(keys.community_pk(community_id), prefix=keys.due_item_sk(""))
        next_runs = {item["job"]: item["scheduled_at"] for item in due}
    data = {**community_dict(found), "members": members, "next_runs": next_runs}
    runs_text = "".join(f"\n  next       {job} at {at}" for job, at in sorted(next_runs.items()))
    emit(data, as_json, describe(found) + f"\n  members    {members}" + runs_text)


@community.command("update")
@click.argument("community_id")
@click.option("--name")
@_settings_options
@json_option
@friendly
def community_update(
    community_id: str, name: str | None, as_json: bool, **settings: str | None
) -> None:
    """Change a community's name, timezone, language, times and routine settings."""
    from datetime import UTC, datetime

    from chalicelib.jobs.scheduling import schedule_community
    from rollcall.context import open_store

    pause, resume = settings.pop("pause_cycle", ()), settings.pop("resume_cycle", ())
    changes = _setting_changes(**settings)
    if name:
        changes["name"] = name
    if not changes and not pause and not resume:
        raise Failure("nothing to change: give at least one option (see --help)")
    with open_store() as store:
        current = store.get_community(community_id)
        paused = _paused(current.paused_cycles, pause, resume)  # type: ignore[arg-type]
        if paused is not None:
            changes["paused_cycles"] = paused
        # Only the settings given are written: a concurrent /theme or another command's
        # change to other settings stands.
        updated = store.update_community(current, **changes)
        # New times or timezone: every job's next run is computed again.
        schedule_community(store.table, updated, datetime.now(UTC))
    emit(community_dict(updated), as_json, describe(updated))


@community.command("bind")
@click.option("--community", "community_id", required=True)
@click.option("--platform", required=True)
@click.option("--chat-id", required=True)
@click.option(
    "--move",
    is_flag=True,
    help="Moving to another platform: mark members left, clear roles and the admin chat.",
)
@json_option
@friendly
def community_bind(
    community_id: str, platform: str, chat_id: str, move: bool, as_json: bool
) -> None:
    """Connect a (new) group chat to an existing community; the old chat is released.

    Another chat on the same platform keeps members, roles and the admin chat. Another
    platform's user ids mean other people, so moving there needs --move: members are kept
    as history but marked left (they return under their new ids when first seen or
    imported), every role is cleared (set them again, e.g. with `member import`), and the
    old admin chat binding, admin chat and group robot settings are cleared.
    """
    from rollcall.context import open_store

    platform = parse_platform(platform)
    with open_store() as store:
        current = store.get_community(community_id)
        done = store.rebind_community(current, platform, chat_id, move=move)
    result = {
        "id": community_id,
        "platform": platform,
        "chat_id": chat_id,
        "moved": done.moved,
        "released": list(done.released),
        "members_marked_left": done.members_left,
        "roles_cleared": done.roles_cleared,
        "admin_chat_cleared": done.moved and current.admin_chat_id is not None,
        "robot_cleared": done.robot_cleared,
    }
    lines = [f"{community_id} ← {platform} chat {chat_id}"]
    lines += [f"  released   {chat}" for chat in done.released]
    if done.moved:
        lines += [
            f"  moved      from {done.previous[0]}: {done.members_left} member(s) marked left "
            f"(kept as history), {done.roles_cleared} role(s) cleared",
            "  cleared    admin chat and group robot settings"
            if result["admin_chat_cleared"] or done.robot_cleared
            else "  cleared    nothing else (no admin chat or group robot was set)",
            f"  next       set roles again: rollcall member import --community {community_id} FILE",
        ]
    emit(result, as_json, "\n".join(lines))


# -- members ----------------------------------------------------------------------------


@main.group()
def member() -> None:
    """Import and export a community's members (CSV)."""


@member.command("import")
@click.option("--community", "community_id", required=True)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@json_option
@friendly
def member_import(community_id: str, file: Path, as_json: bool) -> None:
    """Import members from CSV (user_id,name,role,squad,joined_at[,username]).

    Re-importing updates members in place: their history is kept.
    """
    from rollcall import members_csv
    from rollcall.context import open_store

    try:
        # Bytes, decoded as they are: a CR inside a quoted cell stays a CR (read_text would
        # turn it into a line feed); the csv reader takes CRLF, LF or CR line ends itself.
        text = file.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise Failure(f"{file}: not UTF-8 text") from None
    try:
        rows = members_csv.parse_rows(text)
    except members_csv.CsvError as error:
        raise Failure(f"{file}: {error}") from None
    with open_store() as store:
        store.get_community(community_id)
        existing = {m.user_id: m for m in store.list_members(community_id)}
        members = members_csv.merge(community_id, rows, existing)
        created = sum(1 for m in members if m.user_id not in existing)
        show_bar = len(members) >= 500 and not as_json
        with click.progressbar(
            length=len(members), label="importing", file=sys.stderr, hidden=not show_bar
        ) as bar:
            for offset in range(0, len(members), 500):
                chunk = members[offset : offset + 500]
                store.bulk_save_members(chunk)
                bar.update(len(chunk))
    result = {"community": community_id, "created": created, "updated": len(members) - created}
    emit(result, as_json, f"{created} added, {len(members) - created} updated")


@member.command("export")
@click.option("--community", "community_id", required=True)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file instead of standard output.",
)
@json_option
@friendly
def member_export(community_id: str, output: Path | None, as_json: bool) -> None:
    """Write the members as CSV, in the format import reads."""
    from chalicelib.store.records import to_fields
    from rollcall import members_csv
    from rollcall.context import open_store

    with open_store() as store:
        store.get_community(community_id)
        members = list(store.list_members(community_id))
    if as_json:
        emit([to_fields(m) for m in members], True)
        return
    text = members_csv.render(members)
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)


# -- jobs -------------------------------------------------------------------------------


@main.group()
def job() -> None:
    """Run a job by hand, as the scheduler would."""


@job.command("run")
@click.argument("name", type=click.Choice(JOBS))
@click.option("--community", "community_id", required=True)
@click.option("--at", "at", help="Run as of this instant (ISO-8601 with offset; default now).")
@click.option("--dry-run", is_flag=True, help="Show what would be sent; send and record nothing.")
@click.option("--force", is_flag=True, help="Run again even if this period already ran.")
@click.option(
    "--replace-scheduled",
    is_flag=True,
    help="daily-reminder without --at: send today's scheduled reminder now, instead of a "
    "manual one beside it.",
)
@json_option
@friendly
def job_run(
    name: str,
    community_id: str,
    at: str | None,
    dry_run: bool,
    force: bool,
    replace_scheduled: bool,
    as_json: bool,
) -> None:
    """Run one job for one community as of an instant, and print what it sent.

    A daily reminder run by hand (no --at) is a manual reminder of its own, like /remind:
    the scheduled one still goes out. A digest or report run by hand is its period's run:
    the scheduler then finds it done, so strikes and warnings are never applied twice.
    """
    from datetime import UTC, datetime

    from chalicelib.clock import parse_instant
    from chalicelib.jobs.runner import run_job
    from chalicelib.jobs.send_daily_reminders import manual_period
    from rollcall.runtime import local_runtime

    now = parse_instant(at) if at else datetime.now(UTC)
    manual = name == "daily-reminder" and at is None and not replace_scheduled
    # The console "chat" is this terminal: the result below shows what was posted, once.
    with local_runtime(sink=lambda _sent: None) as runtime:
        period = manual_period(runtime.store.get_community(community_id), now) if manual else None
        result = run_job(
            runtime, name, community_id, now, dry_run=dry_run, force=force, period=period
        )
    note = _job_run_note(name, manual, at is not None)
    if note:
        result.summary["note"] = note
    emit(result.as_dict(), as_json, "\n".join(x for x in (result.describe(), note) if x))


def _job_run_note(name: str, manual: bool, at_given: bool) -> str:
    """What a run by hand means for the scheduled run of its period."""
    if manual:
        return (
            "note: a manual reminder (period <date>#manual, once a day, shared with /remind); "
            "today's scheduled reminder still runs. --replace-scheduled sends that one instead."
        )
    if not at_given and name != "daily-reminder":
        return (
            "note: this is the scheduled run of its period: the scheduler will find it done, "
            "so nothing is sent or applied twice. --force replays it."
        )
    return ""


# -- local runtime ----------------------------------------------------------------------


@main.command()
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--fresh", is_flag=True, help="Start with empty local state.")
@click.option(
    "--tick",
    default=60,
    show_default=True,
    type=click.IntRange(1, 3600),
    help="Seconds between scheduler ticks.",
)
@friendly
def serve(port: int, fresh: bool, tick: int) -> None:
    """Serve the webhooks on 127.0.0.1 and fire the scheduled jobs on their real schedule."""
    from rollcall.serve import run_server

    run_server(port=port, fresh=fresh, tick_seconds=tick)


@main.command()
@click.option("--community", "community_id", required=True, help="A console community's id.")
@click.option("--user", "user_id", required=True, help="Who speaks: their user id.")
@click.option(
    "--name",
    help="Their display name (default: their name in the roster; the user id for someone new).",
)
@click.option(
    "--port",
    default=8000,
    show_default=True,
    type=click.IntRange(1, 65535),
    help="The port of the running `rollcall serve`.",
)
@click.argument("text", nargs=-1, required=True)
@json_option
@friendly
def chat(
    community_id: str,
    user_id: str,
    name: str | None,
    port: int,
    text: tuple[str, ...],
    as_json: bool,
) -> None:
    """Say TEXT in a console community's chat, through a running `rollcall serve`.

    The message is signed and posted to the server's console webhook, exactly as a chat
    platform would; the bot's replies are printed. Scheduled messages, and the results of
    slow admin commands (/remind, /confirm-removals: here "working on it"), appear in the
    server's own terminal.
    """
    from datetime import UTC, datetime

    from rollcall.context import open_store
    from rollcall.runtime import console_secret
    from rollcall.serve import NoServer, post_console_message, server_listens

    if not server_listens(port):  # before opening the store: that may start an endpoint
        raise NoServer(port)
    with open_store() as store:
        found = store.get_community(community_id)
        # Without --name, speak under the roster's name: a platform sends the member's own
        # name with every message, and the bot renames members to what it is sent.
        known = store.get_member(community_id, user_id) if name is None else None
    if known is not None and known.name:
        name = known.name
    if found.platform != "console":
        raise Failure(
            f"community {community_id} is on {found.platform}: rollcall chat only talks to"
            " console communities (create one with --platform console)"
        )
    replies = post_console_message(
        port=port,
        chat_id=found.chat_id,
        user_id=user_id,
        name=name,
        text=" ".join(text),
        secret=console_secret(),
        now=datetime.now(UTC),
    )
    result = {"community": community_id, "replies": replies}
    emit(result, as_json, "\n".join(replies) or "(no reply)")


@main.command()
@click.option("--seed", default=7, show_default=True, type=int)
@click.option("--weeks", default=5, show_default=True, type=click.IntRange(1, 12))
@click.option("--locale", default="zh-CN", show_default=True, type=click.Choice(["zh-CN", "en"]))
@json_option
@friendly
def demo(seed: int, weeks: int, locale: str, as_json: bool) -> None:
    """Simulate a ~30-member community for five weeks through the real routes and jobs."""
    from rollcall.demo import run_demo

    summary = run_demo(seed=seed, weeks=weeks, locale=locale, echo=not as_json)
    if as_json:
        emit(summary, True)


def today() -> date:
    from datetime import UTC, datetime

    return datetime.now(UTC).date()


# -- secrets ----------------------------------------------------------------------------


@main.group()
def secrets() -> None:
    """Platform credentials in SSM Parameter Store, for the deployed stages."""


def _deployed_stage(stage: str | None) -> str:
    from chalicelib.config import Settings

    name = stage or Settings.from_env().stage
    if name == "local":
        raise Failure(
            "the local stage reads credentials from the environment"
            " (ROLLCALL_<PLATFORM>_...): give a deployed stage, e.g. --stage prod"
        )
    return name


def _ssm_client() -> Any:
    """SSM in the environment's account and region (or AWS_ENDPOINT_URL's)."""
    import boto3

    from chalicelib.config import Settings

    return boto3.client("ssm", region_name=Settings.from_env().region)


@secrets.command("set")
@click.argument("name")
@click.option("--stage", default=None, help="Deployed stage (default: $ROLLCALL_STAGE).")
@click.option(
    "--value",
    default=None,
    help="The value. Default: read from standard input, which keeps it out of shell history.",
)
@click.option("--key-id", default=None, help="KMS key to encrypt with (default: aws/ssm).")
@json_option
@friendly
def secrets_set(
    name: str, stage: str | None, value: str | None, key_id: str | None, as_json: bool
) -> None:
    """Store NAME (e.g. TELEGRAM_BOT_TOKEN) as a SecureString, replacing any older value.

    Running functions pick it up within the cache TTL (5 minutes): no redeploy.
    """
    from chalicelib.secrets import DEFAULT_TTL_SECONDS, parameter_name

    full_name = parameter_name(_deployed_stage(stage), name)
    if value is None:
        if sys.stdin.isatty():
            value = click.prompt(f"value for {full_name}", hide_input=True, err=True)
        else:
            value = sys.stdin.read()
    # Tokens never start or end with whitespace; a newline from `echo` or a file would
    # otherwise break every signature check without a word.
    value = value.strip()
    if not value:
        raise Failure("empty value: nothing was stored")
    request: dict[str, Any] = {
        "Name": full_name,
        "Value": value,
        "Type": "SecureString",
        "Overwrite": True,
    }
    if key_id:
        request["KeyId"] = key_id
    version = _ssm_client().put_parameter(**request)["Version"]
    minutes = int(DEFAULT_TTL_SECONDS // 60)
    emit(
        {"name": full_name, "version": version},
        as_json,
        f"{full_name}: stored as version {version}; in use within {minutes} minutes",
    )


@secrets.command("list")
@click.option("--stage", default=None, help="Deployed stage (default: $ROLLCALL_STAGE).")
@json_option
@friendly
def secrets_list(stage: str | None, as_json: bool) -> None:
    """The stage's parameters: names, types and versions. Never their values."""
    from chalicelib.secrets import parameter_path

    path = parameter_path(_deployed_stage(stage))
    # DescribeParameters returns metadata only, so this command cannot print a value.
    pages = (
        _ssm_client()
        .get_paginator("describe_parameters")
        .paginate(ParameterFilters=[{"Key": "Path", "Option": "OneLevel", "Values": [path]}])
    )
    found = [
        {
            "name": parameter["Name"],
            "type": parameter.get("Type", ""),
            "version": parameter.get("Version"),
            "last_modified": parameter.get("LastModifiedDate"),
        }
        for page in pages
        for parameter in page.get("Parameters", [])
    ]
    found.sort(key=lambda p: p["name"])
    lines = [f"{p['name']}  {p['type']}  v{p['version']}  {p['last_modified']}" for p in found]
    emit(found, as_json, "\n".join(lines) or f"no parameters under {path}")


# -- platforms --------------------------------------------------------------------------

SETUP_PLATFORMS = ("telegram", "slack", "discord", "feishu", "dingtalk", "wecom", "console")


@main.group()
def platform() -> None:
    """Connect chat platforms: what to configure on each, done for you where it has an API."""


@platform.command("setup")
@click.argument("name", metavar="PLATFORM", type=click.Choice(SETUP_PLATFORMS))
@click.option(
    "--url",
    default=None,
    help="The API's URL (`chalice url`) or the webhook URL (default: $ROLLCALL_PUBLIC_URL).",
)
@click.option("--locale", default="zh-CN", show_default=True, type=click.Choice(["zh-CN", "en"]))
@click.option(
    "--stage", default=None, help="Deployed stage whose SSM settings to read (default: env)."
)
@click.option(
    "--apply",
    "apply_",
    is_flag=True,
    help="Do it through the platform's API: Telegram setWebhook, Discord slash commands.",
)
@json_option
@friendly
def platform_setup(
    name: str, url: str | None, locale: str, stage: str | None, apply_: bool, as_json: bool
) -> None:
    """Print what an operator does to connect a PLATFORM chat: the webhook URL, the settings
    (shown as set or not, never their values), what to enable on the platform, how to bind
    the group. --apply performs the steps the platform has an API for."""
    import os

    from chalicelib.config import Settings
    from chalicelib.platforms.base import DeliveryError
    from rollcall import platform_setup as setup

    if apply_ and name not in setup.APPLICABLE:
        raise Failure(
            f"--apply: {name} has no API for this; do the steps by hand (run without --apply)"
        )
    settings = Settings.from_env({**os.environ, **({"ROLLCALL_STAGE": stage} if stage else {})})
    webhook, url_known = setup.webhook_url(name, url)
    stage_name = settings.stage if settings.stage != "local" else "<stage>"
    guide = setup.guide(name, locale, webhook, url_known, stage_name)
    values = {s.name: _setting_value(settings, s.name) for s in guide.settings}
    applied: dict[str, Any] | None = None
    if apply_:
        try:
            if name == "telegram":
                if not url_known:
                    raise Failure(f"--apply needs the URL: --url or {setup.PUBLIC_URL_ENV}")
                answer = setup.apply_telegram(settings, webhook)
                applied = {"action": "setWebhook", "result": answer.get("description", "ok")}
            else:
                registered = setup.apply_discord(settings)
                names = [str(c.get("name")) for c in registered if isinstance(c, dict)]
                applied = {"action": "register application commands", "result": names}
        except DeliveryError as error:
            raise Failure(f"{name} refused: {error}") from None
    data = {
        "platform": name,
        "locale": locale,
        "title": guide.title,
        "webhook_url": webhook,
        "webhook_url_known": url_known,
        "settings": [
            {
                "name": s.name,
                "ssm_parameter": f"/rollcall/{stage_name}/{s.name}",
                "required": s.required,
                "purpose": s.purpose,
                "set": bool(values[s.name]),
                "value": mask(values[s.name]) if values[s.name] else None,
            }
            for s in guide.settings
        ],
        "steps": guide.steps,
        **guide.lists,
        "apply": guide.applies,
        "applied": applied,
    }
    emit(data, as_json, _setup_text(data, locale))


def _setting_value(settings: Any, name: str) -> str:
    if name == "ROLLCALL_CONSOLE_SECRET":
        return str(settings.console_secret)
    return str(settings.secret(name))


def _setup_text(data: dict[str, Any], locale: str) -> str:
    """The guide as text: the URL first (what the operator pastes), then settings, steps,
    and the lists to copy from."""
    import textwrap

    zh = locale == "zh-CN"
    words = {
        "url": "Webhook URL",
        "placeholder": "（占位符：用 --url 或 ROLLCALL_PUBLIC_URL 给出 API 地址，"
        "`chalice url --stage <stage>` 会打印它）"
        if zh
        else "(a placeholder: give the API URL with --url or ROLLCALL_PUBLIC_URL; "
        "`chalice url --stage <stage>` prints it)",
        "settings": "设置项（本地为环境变量，AWS 中为同名 SSM 参数）："
        if zh
        else "Settings (environment variables; in AWS the SSM parameters of the same name):",
        "set": "已设置" if zh else "set",
        "unset": "未设置" if zh else "not set",
        "required": "必填" if zh else "required",
        "optional": "可选" if zh else "optional",
        "steps": "步骤：" if zh else "Steps:",
        "commands": "命令：" if zh else "Commands:",
        "events": "事件：" if zh else "Events:",
        "scopes": "权限（bot token scopes）：" if zh else "Bot token scopes:",
        "applied": "已执行" if zh else "Done",
    }

    def _fill(text: str, width: int, **indents: str) -> str:
        # Never at a hyphen or inside a word: URLs and commands stay whole, to copy.
        return textwrap.fill(text, width, break_on_hyphens=False, break_long_words=False, **indents)

    lines = [data["title"], "", f"{words['url']}: {data['webhook_url']}"]
    if not data["webhook_url_known"]:
        lines.append(f"  {words['placeholder']}")
    lines += ["", words["settings"]]
    width = max(len(s["name"]) for s in data["settings"])
    for s in data["settings"]:
        status = f"{words['set']} ({s['value']})" if s["set"] else words["unset"]
        need = words["required"] if s["required"] else words["optional"]
        lines.append(f"  {s['name']:<{width}}  {need}, {status}")
        indent = " " * (width + 4)
        lines.append(_fill(s["purpose"], 100, initial_indent=indent, subsequent_indent=indent))
    lines += ["", words["steps"]]
    for number, step in enumerate(data["steps"], 1):
        prefix = f"  {number}. "
        lines.append(_fill(step, 100, initial_indent=prefix, subsequent_indent=" " * len(prefix)))
    for key in ("scopes", "events", "commands"):
        if data.get(key):
            lines += ["", words[key], *(f"  {item}" for item in data[key])]
    if data["apply"]:
        lines += ["", data["apply"]]
    if data["applied"]:
        result = data["applied"]["result"]
        shown = ", ".join(result) if isinstance(result, list) else result
        lines += ["", f"{words['applied']}: {data['applied']['action']}: {shown}"]
    return "\n".join(lines)


# -- monthly reports --------------------------------------------------------------------


@main.group()
def report() -> None:
    """Monthly inactive-member reports: show, export as CSV, confirm removals, set rules."""


@report.command("monthly")
@click.option("--community", "community_id", required=True)
@click.option("--month", required=True, help="The month reported on, e.g. 2026-11.")
@click.option("--at", "at", help="As of this instant, for a report not stored yet (ISO-8601).")
@click.option("--csv", "as_csv", is_flag=True, help="Every member's line as CSV.")
@json_option
@friendly
def report_monthly(
    community_id: str, month: str, at: str | None, as_csv: bool, as_json: bool
) -> None:
    """Show the month's report: the stored one (as it was sent), else a preview built now.

    CSV columns: user_id, name, role, squad, tier (active, quiet, inactive, new,
    on_leave), last_active (the local date silence counts from), checkins (in the month),
    homework_missed_in_a_row, warned_rule (the warning held after the report),
    candidate_rule (the rule that makes the member a removal candidate).
    """
    from datetime import UTC, datetime

    from chalicelib.clock import parse_instant
    from chalicelib.features.reports import (
        build_monthly_report,
        compose_report,
        parse_month,
        report_csv,
        report_dict,
    )
    from chalicelib.store.reports import load_report
    from rollcall.context import open_store

    month = parse_month(month)
    now = parse_instant(at) if at else datetime.now(UTC)
    with open_store() as store:
        found = store.get_community(community_id)
        built = load_report(store.table, community_id, month)
        stored = built is not None
        if built is None:
            built = build_monthly_report(store, found, month, now)
    if as_csv:
        click.echo(report_csv(built.rows), nl=False)
        return
    note = "" if stored else "\n(preview: not stored; the monthly-report job stores and sends it)"
    text = compose_report(found, built.summary).text + note
    emit(report_dict(built, stored=stored), as_json, text)


@report.command("confirm-removals")
@click.option("--community", "community_id", required=True)
@click.option("--report", "report_id", required=True, help="The report id: its month, 2026-10.")
@click.option("--by", "by", required=True, help="Who confirms (recorded with each removal).")
@click.option("--at", "at", help="As of this instant (ISO-8601; default now).")
@json_option
@friendly
def report_confirm_removals(
    community_id: str, report_id: str, by: str, at: str | None, as_json: bool
) -> None:
    """Remove the report's removal candidates who still qualify, and record each removal.

    Members are marked removed (their data is kept); where the platform's API allows, the
    bot removes them from the chat too, otherwise the output lists whom to remove by hand.
    """
    from datetime import UTC, datetime

    from chalicelib.clock import parse_instant
    from chalicelib.features.reports import confirm_removals, describe_outcome
    from rollcall.runtime import local_runtime

    if not by.strip():
        raise Failure("--by must name who confirms")
    now = parse_instant(at) if at else datetime.now(UTC)
    with local_runtime(sink=lambda _sent: None) as runtime:
        found = runtime.store.get_community(community_id)
        outcome = confirm_removals(
            runtime.store,
            found,
            report_id,
            by.strip(),
            now,
            adapter=runtime.adapter(found.platform),
        )
    emit(outcome.as_dict(), as_json, describe_outcome(found, outcome))


def _on_off(value: str | None, what: str) -> bool | None:
    if value is None:
        return None
    lowered = value.strip().lower()
    if lowered in ("on", "yes", "true", "1"):
        return True
    if lowered in ("off", "no", "false", "0"):
        return False
    raise InvalidValue(f"{what} must be on or off, got {value!r}")


def _rebind_admin_chat(store: Any, current: Community, new_chat: str | None) -> None:
    """Bind the admin chat to the community too, so /report and /confirm-removals work
    there (names shown); the previous admin chat's binding goes. A chat bound to another
    community is refused, before anything changes."""
    platform = current.platform
    if new_chat and new_chat != current.chat_id:
        store.bind_chat(current.id, platform, new_chat)
    old = current.admin_chat_id
    if old and old not in (new_chat, current.chat_id):
        bound = store.find_community_by_chat(platform, old)
        if bound is not None and bound.id == current.id:
            store.unbind_chat(platform, old)


@report.command("rules")
@click.option("--community", "community_id", required=True)
@click.option("--set", "rules_text", help="Rules as JSON, or @FILE: a list of objects.")
@click.option("--defaults", is_flag=True, help="Drop the community's rules: use the defaults.")
@click.option("--removal", help="on or off: may confirmed candidates be removed.")
@click.option(
    "--admin-chat",
    help="Chat id the report goes to ('-' for none: then to each admin by direct message).",
)
@click.option("--to-group", help="on or off: send the report to the group when no admin chat.")
@click.option("--active-days", type=int, help="Active: at most this many days since activity.")
@click.option("--quiet-days", type=int, help="Quiet: up to this many; inactive beyond.")
@json_option
@friendly
def report_rules(
    community_id: str,
    rules_text: str | None,
    defaults: bool,
    removal: str | None,
    admin_chat: str | None,
    to_group: str | None,
    active_days: int | None,
    quiet_days: int | None,
    as_json: bool,
) -> None:
    """Show or change the community's inactivity rules, tiers and report settings.

    Rules, e.g. [{"id": "hw-missed", "kind": "missed_cycles", "warn": 2, "remove": 3},
    {"id": "silent", "kind": "inactive_days", "warn": 30, "remove": 45}]; rules that make
    no sense are refused with the reason, and nothing is changed.
    """
    from chalicelib.domain.inactivity import Thresholds, parse_rules, rules_of
    from rollcall.context import open_store

    changes: dict[str, Any] = {}
    if rules_text is not None and defaults:
        raise Failure("give either --set or --defaults, not both")
    if rules_text is not None:
        if rules_text.startswith("@"):
            rules_text = Path(rules_text[1:]).read_text(encoding="utf-8")
        try:
            data = json.loads(rules_text)
        except json.JSONDecodeError as error:
            raise Failure(f"rules are not valid JSON: {error.msg} (line {error.lineno})") from None
        changes["rules"] = tuple(rule.as_dict() for rule in parse_rules(data))
    if defaults:
        changes["rules"] = ()
    for name, value in (("removal_enabled", removal), ("report_to_group", to_group)):
        flag = _on_off(value, name.replace("_", " "))
        if flag is not None:
            changes[name] = flag
    if admin_chat is not None:
        changes["admin_chat_id"] = None if admin_chat.strip() in ("", "-") else admin_chat.strip()
    if active_days is not None:
        changes["tier_active_days"] = active_days
    if quiet_days is not None:
        changes["tier_quiet_days"] = quiet_days
    with open_store() as store:
        current = store.get_community(community_id)
        updated = current.with_changes(**changes) if changes else current
        thresholds = Thresholds.of(updated)  # refuses negative or crossed thresholds
        rules = rules_of(updated)
        if updated.admin_chat_id != current.admin_chat_id:
            _rebind_admin_chat(store, current, updated.admin_chat_id)
        if changes:
            updated = store.update_community(current, **changes)
    data = {
        "community": community_id,
        "rules": [rule.as_dict() for rule in rules],
        "default_rules": not updated.rules,
        "tiers": {"active_days": thresholds.active_days, "quiet_days": thresholds.quiet_days},
        "new_days": thresholds.new_days,
        "removal_enabled": updated.removal_enabled,
        "admin_chat_id": updated.admin_chat_id,
        "report_to_group": updated.report_to_group,
    }
    group = "the group" if updated.report_to_group else "nowhere (stored only)"
    target = updated.admin_chat_id or group
    lines = [
        f"{community_id}: rules{' (defaults)' if not updated.rules else ''}",
        *(
            f"  {r.id:<12} {r.kind.value:<14} warn {r.warn}"
            + (f", remove {r.remove}" if r.remove is not None else ", warn only")
            for r in rules
        ),
        f"  tiers        active <= {thresholds.active_days} days, quiet <= "
        f"{thresholds.quiet_days}, new for {thresholds.new_days} days after joining",
        f"  removal      {'on' if updated.removal_enabled else 'off'}",
        f"  report to    {target}",
    ]
    emit(data, as_json, "\n".join(lines))


if __name__ == "__main__":  # pragma: no cover
    main()
