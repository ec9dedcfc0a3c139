"""The ``rollcall`` command, for community operators and ops.

Every command takes ``--json`` and fails with one line on standard error and a non-zero
exit on bad input, never a traceback.
"""

from __future__ import annotations

import contextlib
import functools
import json
import sys
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import click

from chalicelib.domain.models import (
    JOBS,
    Community,
    InvalidValue,
    parse_platform,
)
from chalicelib.domain.settings import WEEKDAYS
from chalicelib.store.repository import AlreadyBound, NotFound

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

        expected: tuple[type[Exception], ...] = (*EXPECTED_ERRORS, LocalStateError)
        try:
            return func(*args, **kwargs)
        except click.ClickException:
            raise
        except OSError as error:
            raise Failure(_os_error(error)) from None
        except expected as error:
            raise Failure(str(error)) from None
        except ClientError as error:
            message = error.response["Error"].get("Message", str(error))
            raise Failure(f"AWS said ({error.operation_name}): {message}") from None
        except BotoCoreError as error:
            raise Failure(_boto_error(error)) from None

    return wrapper


# What a request's host says about the service it was for (``ssm.eu-west-1.amazonaws.com``).
SERVICE_NAMES = {
    "dynamodb": "DynamoDB",
    "ssm": "SSM Parameter Store",
    "sqs": "SQS",
    "sns": "SNS",
    "monitoring": "CloudWatch",
    "logs": "CloudWatch Logs",
    "lambda": "Lambda",
    "kms": "KMS",
}


def _boto_error(error: Exception) -> str:
    """One line naming the service that failed (not always DynamoDB: bootstrap and secrets
    reach SSM, SQS, SNS and more)."""
    from urllib.parse import urlsplit

    from botocore.exceptions import NoRegionError

    if isinstance(error, NoRegionError):
        return "no AWS region: set AWS_REGION, or a region in your AWS profile"
    url = str(getattr(error, "kwargs", {}).get("endpoint_url") or "")
    host = urlsplit(url).hostname or ""
    service = SERVICE_NAMES.get(host.split(".")[0], f"AWS at {host}" if host else "AWS")
    return f"cannot reach {service}: {error}"


def _os_error(error: OSError) -> str:
    """``no such file: roster.csv``, not ``[Errno 2] No such file or directory: 'roster.csv'``."""
    name = error.filename
    if name is None:
        return error.strerror or str(error)
    if isinstance(error, FileNotFoundError):
        return f"no such file: {name}"
    if isinstance(error, IsADirectoryError):
        return f"a directory, not a file: {name}"
    if isinstance(error, PermissionError):
        return f"permission denied: {name}"
    return f"{name}: {(error.strerror or str(error)).lower()}"


class OneLineUsageError(click.UsageError):
    """A usage error as one line: ``error: no such option: --fooo (try: rollcall community
    create --help)``, exit 2. click's own spells it over three lines (usage, hint, error)."""

    def __init__(self, error: click.UsageError) -> None:
        super().__init__(error.format_message(), error.ctx)

    def show(self, file: Any = None) -> None:
        message = self.format_message().strip().rstrip(".")
        message = " ".join(message.split())  # "Did you mean" arrives on its own line
        message = message[:1].lower() + message[1:]
        hint = f" (try: {self.ctx.command_path} --help)" if self.ctx is not None else ""
        click.echo(f"error: {message}{hint}", err=True)


class OneLineGroup(click.Group):
    """Every group of the CLI: usage errors of its own and of its commands in one line."""

    group_class = type  # subgroups are OneLineGroups too

    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        try:
            return super().make_context(*args, **kwargs)
        except click.exceptions.NoArgsIsHelpError:
            raise  # the group's help, on purpose
        except click.UsageError as error:
            raise OneLineUsageError(error) from None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.NoArgsIsHelpError, OneLineUsageError):
            raise
        except click.UsageError as error:
            raise OneLineUsageError(error) from None


def emit(data: Any, as_json: bool, text: str | None = None) -> None:
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    elif text is not None:
        click.echo(text)


json_option = click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")


@click.group(
    cls=OneLineGroup,
    context_settings={"help_option_names": ["-h", "--help"], "show_default": True},
)
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
    `chalice deploy`, and again after it: partial batch failures for the worker, and the
    HTTP API in front of the webhook function (`rollcall infra url` prints its URL).
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


@infra.command("url")
@click.option("--stage", required=True, help="A deployed stage of .chalice/config.json, e.g. prod.")
@friendly
def infra_url(stage: str) -> None:
    """Print the webhooks' base URL: the stage's HTTP API, `…/api/` (a platform's webhook is
    `…/api/webhooks/<platform>`). On either deploy path; give it to `platform setup --url`."""
    import os

    import boto3

    from chalicelib.config import Settings
    from rollcall.infra import Stage, http_api_url

    target = Stage.load(stage)
    region = Settings.from_env({**os.environ, "ROLLCALL_STAGE": stage}).region
    url = http_api_url(boto3.client("apigatewayv2", region_name=region), target)
    if url is None:
        raise Failure(
            f"stage {stage} has no HTTP API {target.http_api}: deploy it (bootstrap after"
            " `chalice deploy`, or the CloudFormation stack)"
        )
    click.echo(url)


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


@infra.command("backfill-ttl")
@click.option("--community", "community_id", required=True)
@click.option("--at", "at", help="As of this instant (ISO-8601; default now).")
@json_option
@friendly
def infra_backfill_ttl(community_id: str, at: str | None, as_json: bool) -> None:
    """Give the community's history written without an expiry one: its retention_days
    setting (default 396, 13 months) after it was written; DynamoDB then deletes it. Items
    that have one keep it. Resumable and idempotent."""
    from datetime import UTC, datetime

    from chalicelib.clock import parse_instant
    from chalicelib.store.retention import backfill, retention_of
    from rollcall.context import open_store

    now = parse_instant(at) if at else datetime.now(UTC)
    with open_store() as store:
        community = store.get_community(community_id)
        done = backfill(store.table, community_id, now, retention_of(community))
    lines = [f"{community_id}: history kept {done['retention_days']} days"]
    lines += [f"  expiry set {n:>6} {kind}" for kind, n in done["set"].items()]
    lines += [f"  had one    {n:>6} {kind}" for kind, n in done["already"].items()]
    if not done["set"]:
        lines.append("  nothing to do")
    emit(done, as_json, "\n".join(lines))


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
        f"  homework   every {c.cycle_length_days} days, deadline "
        f"{WEEKDAYS[c.deadline_weekday]} {c.deadline_time}, {c.reviewers_per_submission} "
        f"reviewers, digest {c.digest_offset_minutes} min after\n"
        f"  report     day {c.report_day} at {c.report_time}"
    )


@main.group()
def community() -> None:
    """Create, list, show, update and bind communities."""


def _settings_options(*, defaults: bool) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """One option per setting of chalicelib/domain/settings.py, in its order; ``defaults``
    shows a new community's value in --help (create), else options not given stay as
    they are (update)."""
    from chalicelib.domain.settings import SETTINGS

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        options = [
            click.option(
                f"--{s.name.replace('_', '-')}",
                s.name,
                default=None,  # not given: unchanged (update), the default (create)
                metavar=s.metavar,
                help=f"{s.help}  [default: {s.default}]" if defaults and s.default else s.help,
            )
            for s in SETTINGS.values()
        ]
        options += [
            click.option(
                "--pause-cycle",
                type=int,
                multiple=True,
                help="Pause homework cycle N (a holiday week); repeatable.",
            ),
            click.option("--resume-cycle", type=int, multiple=True, help="Undo --pause-cycle N."),
        ]
        for option in reversed(options):
            func = option(func)
        return func

    return decorate


def _given(settings: dict[str, Any]) -> dict[str, str]:
    """The settings options given on the command line (an empty string is given, and
    refused by the validator, rather than silently ignored)."""
    return {name: value for name, value in settings.items() if value is not None}


def _paused(current: tuple[int, ...], pause: Any, resume: Any) -> tuple[int, ...] | None:
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
@_settings_options(defaults=True)
@click.option(
    "--id", "community_id", help="Choose the id: letters, digits, - and _ (default: generated)."
)
@json_option
@friendly
def community_create(
    name: str,
    platform: str,
    chat_id: str,
    community_id: str | None,
    as_json: bool,
    **settings: Any,
) -> None:
    """Create a community for one group chat; prints its id.

    Organisers can do this themselves from the group with an invite code (`invite create`,
    then `/setup <code>` in the group)."""
    from datetime import UTC, datetime

    from chalicelib.features.communities import create_community, new_community
    from rollcall.context import open_store

    pause, resume = settings.pop("pause_cycle", ()), settings.pop("resume_cycle", ())
    now = datetime.now(UTC)
    given = _given(settings)
    new = new_community(
        name=name,
        platform=platform,
        chat_id=chat_id,
        raw=given,
        now=now,
        community_id=community_id,
        paused_cycles=_paused((), pause, resume),
        # The operator's defaults stay zh-CN and Asia/Shanghai, as they always were.
        locale="zh-CN",
        timezone="Asia/Shanghai",
    )
    with open_store() as store:
        create_community(store, new, now)
    emit({"id": new.id}, as_json, new.id)


@community.command("list")
@json_option
@friendly
def community_list(as_json: bool) -> None:
    """All communities, oldest first."""
    from rollcall.runtime import read_store

    with read_store() as store:
        found = list(store.list_communities())
    width = max((len(c.id) for c in found), default=0)  # the columns line up
    lines = [
        f"{c.id:<{width}}  {c.platform:<9} {c.timezone:<20} {c.locale:<5} {c.name}" for c in found
    ]
    emit([community_dict(c) for c in found], as_json, "\n".join(lines) or "no communities yet")


@community.command("schedule")
@click.argument("community_ids", nargs=-1)
@click.option("--all", "every", is_flag=True, help="Every community.")
@json_option
@friendly
def community_schedule(community_ids: tuple[str, ...], every: bool, as_json: bool) -> None:
    """Schedule the jobs a community has no next run for: after an upgrade that added a job
    (roster-sync, the stars), run once with --all. Jobs already scheduled keep their next
    run; a job the community does not take stays off. One Query per community."""
    from datetime import UTC, datetime

    from chalicelib.jobs.scheduling import ensure_scheduled
    from rollcall.context import open_store

    if every == bool(community_ids):
        raise Failure("name the communities, or --all (not both)")
    now = datetime.now(UTC)
    done: dict[str, bool] = {}
    with open_store() as store:
        found = (
            list(store.list_communities())
            if every
            else [store.get_community(cid) for cid in community_ids]
        )
        for c in found:
            done[c.id] = ensure_scheduled(store.table, c, now)
    lines = [f"{cid}  {'scheduled new jobs' if new else 'up to date'}" for cid, new in done.items()]
    emit(done, as_json, "\n".join(lines) or "no communities yet")


def _local_run(at: str, timezone: str) -> str:
    """A next run (stored in UTC) as the community's organisers read it."""
    from datetime import datetime

    from chalicelib.domain.calendar import zone

    local = datetime.fromisoformat(at).astimezone(zone(timezone))
    return f"{local:%a %Y-%m-%d %H:%M} {timezone}"


@community.command("show")
@click.argument("community_id")
@json_option
@friendly
def community_show(community_id: str, as_json: bool) -> None:
    """One community's settings, and its jobs' next runs in its local time (UTC in --json)."""
    from chalicelib.store import keys
    from rollcall.runtime import read_store

    with read_store() as store:
        found = store.get_community(community_id)
        members = sum(1 for _ in store.list_members(community_id))
        due = store.table.query(keys.community_pk(community_id), prefix=keys.due_item_sk(""))
        next_runs = {item["job"]: item["scheduled_at"] for item in due}
    data = {**community_dict(found), "members": members, "next_runs": next_runs}
    runs_text = "".join(
        f"\n  next       {job:<15} {_local_run(at, found.timezone)}"
        for job, at in sorted(next_runs.items())
    )
    emit(data, as_json, describe(found) + f"\n  members    {members}" + runs_text)


@community.command("update")
@click.argument("community_id")
@click.option("--name", help="A new name.")
@_settings_options(defaults=False)
@json_option
@friendly
def community_update(community_id: str, name: str | None, as_json: bool, **settings: Any) -> None:
    """Change a community's name, timezone, language, times and routine settings.

    Options not given keep their value; a bad value changes nothing.
    """
    from datetime import UTC, datetime

    from chalicelib.domain.settings import parse_settings
    from chalicelib.features.communities import change_settings
    from rollcall.context import open_store

    pause, resume = settings.pop("pause_cycle", ()), settings.pop("resume_cycle", ())
    given = _given(settings)
    parse_settings(given)  # a bad value is refused before the store is opened
    also: dict[str, Any] = {}
    if name is not None:
        also["name"] = name
    if not given and not also and not pause and not resume:
        raise click.UsageError("nothing to change: give at least one option")
    with open_store() as store:
        current = store.get_community(community_id)
        paused = _paused(current.paused_cycles, pause, resume)
        if paused is not None:
            also["paused_cycles"] = paused
        # The same use case as chat's /settings: validated as a whole, only the settings
        # given written (a concurrent /theme stands), audited, every job rescheduled.
        changed = change_settings(store, current, given, by="cli", now=datetime.now(UTC), also=also)
    updated = changed.community
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
    from datetime import UTC, datetime

    from chalicelib.jobs.scheduling import ensure_scheduled
    from rollcall.context import open_store

    platform = parse_platform(platform)
    with open_store() as store:
        current = store.get_community(community_id)
        done = store.rebind_community(current, platform, chat_id, move=move, now=datetime.now(UTC))
        # A job the new platform runs (roster-sync) is scheduled; the others keep theirs.
        ensure_scheduled(store.table, done.community, datetime.now(UTC))
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


@community.command("delete")
@click.argument("community_id")
@click.option(
    "--confirm",
    required=True,
    help="The community's name, typed out: nothing is deleted otherwise.",
)
@json_option
@friendly
def community_delete(community_id: str, confirm: str, as_json: bool) -> None:
    """Delete a community and everything it keeps: members, check-ins, homework, reports,
    runs and schedules; its chats are released. Cannot be undone. Resumable: if it stops
    half-way, run it again."""
    from chalicelib.features.personal_data import delete_community
    from rollcall.context import open_store

    with open_store() as store:
        done = delete_community(store, community_id, confirm)
    emit(done.as_dict(), as_json, done.describe())


# -- invite codes -----------------------------------------------------------------------


@main.group()
def invite() -> None:
    """Invite codes with which organisers set up their group themselves (/setup <code>)."""


# A code nobody dated lasts this long: long enough to hand over, short enough to forget.
DEFAULT_INVITE_DAYS = 30


@invite.command("create")
@click.option("--uses", type=int, default=1, help="How many groups may use it.")
@click.option("--expires", help="Last day it works (UTC), e.g. 2027-01-31.  [default: 30 days]")
@click.option("--platform", help="Only on this platform (default: any).")
@json_option
@friendly
def invite_create(uses: int, expires: str | None, platform: str | None, as_json: bool) -> None:
    """Issue an invite code: printed this once, stored only as its hash."""
    from datetime import UTC, datetime, timedelta

    from chalicelib.domain.invites import check_platform, new_code, parse_expiry, parse_uses
    from chalicelib.store import invites
    from rollcall.context import open_store

    now = datetime.now(UTC).replace(microsecond=0)
    uses = parse_uses(uses)
    chosen = check_platform(platform)
    if expires is None:
        until = (now + timedelta(days=DEFAULT_INVITE_DAYS)).date().isoformat()
        valid_until = parse_expiry(until, now)
    else:
        valid_until = parse_expiry(expires, now)
    code = new_code()
    with open_store() as store:
        made = invites.put_invite(
            store.table, code, uses=uses, valid_until=valid_until, platform=chosen, now=now
        )
    data = {
        "code": code,
        "id": made.id,
        "uses": uses,
        "valid_until": valid_until.isoformat(),
        "platform": chosen,
    }
    text = (
        f"{code}\n"
        f"  id {made.id}, {uses} use(s), until {valid_until:%Y-%m-%d %H:%M} UTC"
        + (f", {chosen} only" if chosen else "")
        + "\n  shown once: in the group, an organiser sends /setup "
        + code
    )
    emit(data, as_json, text)


@invite.command("list")
@json_option
@friendly
def invite_list(as_json: bool) -> None:
    """The codes (by id, never the code), uses left, expiry and platform; allowed workspaces."""
    from datetime import UTC, datetime

    from chalicelib.store import invites
    from rollcall.runtime import read_store

    now = datetime.now(UTC)
    with read_store() as store:
        found = list(invites.list_invites(store.table))
        allowed = invites.list_allowed(store.table)
    rows: list[dict[str, Any]] = [
        {
            "id": i.id,
            "uses_left": i.uses_left,
            "uses": i.uses,
            "valid_until": i.valid_until.isoformat(),
            "platform": i.platform,
            "state": "expired"
            if now >= i.valid_until
            else ("used" if i.uses_left <= 0 else "usable"),
        }
        for i in found
    ]
    workspaces = [{"platform": a["platform"], "workspace": a["workspace"]} for a in allowed]
    lines = [
        f"{r['id']}  {r['uses_left']}/{r['uses']} left  until {r['valid_until'][:16]}  "
        f"{r['platform'] or 'any':<9} {r['state']}"
        for r in rows
    ] or ["no invite codes"]
    lines += [f"allowed   {w['platform']} workspace {w['workspace']}" for w in workspaces]
    emit({"codes": rows, "workspaces": workspaces}, as_json, "\n".join(lines))


@invite.command("revoke")
@click.argument("invite_id", metavar="ID")
@json_option
@friendly
def invite_revoke(invite_id: str, as_json: bool) -> None:
    """Revoke a code by its id (as `invite list` shows it); groups set up with it stay."""
    from chalicelib.store import invites
    from rollcall.context import open_store

    wanted = invite_id.strip().lower()
    if len(wanted) < 6 or any(c not in "0123456789abcdef" for c in wanted):
        raise InvalidValue(
            f"an invite id is 6 or more hex digits from `invite list`, got {invite_id!r}"
        )
    with open_store() as store:
        found = invites.find_invites(store.table, wanted)
        if not found:
            raise NotFound(f"no invite code with id {invite_id!r}")
        if len(found) > 1:
            raise InvalidValue(f"id {invite_id!r} matches {len(found)} codes; give more of it")
        invites.delete_invite(store.table, found[0].hashed)
    emit({"revoked": found[0].id}, as_json, f"revoked {found[0].id}")


@invite.command("allow")
@click.option("--platform", required=True, help="slack, discord, feishu, dingtalk, ...")
@click.option(
    "--workspace",
    required=True,
    help="Slack team id (T…), Feishu tenant key, Discord guild id, DingTalk corp id.",
)
@json_option
@friendly
def invite_allow(platform: str, workspace: str, as_json: bool) -> None:
    """Let every group of one workspace/tenant /setup without a code."""
    from datetime import UTC, datetime

    from chalicelib.domain.invites import check_workspace
    from chalicelib.store import invites
    from rollcall.context import open_store

    chosen = parse_platform(platform)
    space = check_workspace(workspace)
    with open_store() as store:
        invites.allow_workspace(store.table, chosen, space, datetime.now(UTC))
    emit(
        {"platform": chosen, "workspace": space, "allowed": True},
        as_json,
        f"allowed: groups of {chosen} workspace {space} may /setup without a code",
    )


@invite.command("disallow")
@click.option("--platform", required=True)
@click.option("--workspace", required=True)
@json_option
@friendly
def invite_disallow(platform: str, workspace: str, as_json: bool) -> None:
    """Undo `invite allow`: the workspace's groups need a code again."""
    from chalicelib.domain.invites import check_workspace
    from chalicelib.store import invites
    from rollcall.context import open_store

    chosen = parse_platform(platform)
    space = check_workspace(workspace)
    with open_store() as store:
        if not invites.disallow_workspace(store.table, chosen, space):
            raise NotFound(f"{chosen} workspace {space} was not allowed")
    emit(
        {"platform": chosen, "workspace": space, "allowed": False},
        as_json,
        f"disallowed: {chosen} workspace {space} needs invite codes again",
    )


# -- members ----------------------------------------------------------------------------


@main.group()
def member() -> None:
    """A community's members: add, remove, list, import and export (CSV)."""


@member.command("add")
@click.option("--community", "community_id", required=True)
@click.argument("user_id", metavar="USER")
@click.option("--name", help="Display name (default: the user id).")
@click.option("--role", help="owner, admin, leader or member (default: member).")
@click.option("--squad", help="Their squad (group within the community).")
@json_option
@friendly
def member_add(
    community_id: str,
    user_id: str,
    name: str | None,
    role: str | None,
    squad: str | None,
    as_json: bool,
) -> None:
    """Add USER (their platform user id) to a community, joined today.

    A member who left comes back with their history; a present one takes the name, role
    and squad given.
    """
    from dataclasses import replace
    from datetime import UTC, datetime

    from chalicelib.domain.models import Member, MemberStatus, parse_role
    from chalicelib.store.repository import NEW_MEMBERSHIP
    from rollcall.context import open_store

    user_id = user_id.strip()
    if not user_id:
        raise Failure("user id must not be empty")
    fields: dict[str, Any] = {}
    if name is not None:
        if not name.strip():
            raise Failure("name must not be empty")
        fields["name"] = name.strip()
    if role is not None:
        fields["role"] = parse_role(role)
        fields["role_source"] = "cli"  # explicit: a platform refresh leaves it alone
    if squad is not None:
        fields["squad"] = squad.strip() or None
    with open_store() as store:
        found = store.get_community(community_id)
        known = store.get_member(community_id, user_id)
        today = found.calendar.local_date(datetime.now(UTC))
        if known is None:
            added = Member(
                community_id,
                user_id,
                **{"name": user_id, **fields},
                joined_at=today,
                observed_since=today,
            )
            outcome = "added"
        elif known.is_present:
            outcome = "updated"
            added = replace(known, **fields)
        else:
            # A return starts a new membership (docs/counting.md): a fresh grace period,
            # no warning, no run of missed cycles, no streak; the history stays.
            outcome = "back"
            fresh = {k: v for k, v in NEW_MEMBERSHIP.items() if k in Member.__dataclass_fields__}
            added = replace(
                known,
                status=MemberStatus.ACTIVE,
                joined_at=today,
                observed_since=today,
                **{**fresh, **fields},
            )
        store.save_member(added)
    result = {"community": community_id, "user_id": user_id, "outcome": outcome}
    words = {"added": "added", "updated": "updated", "back": "is back (history kept):"}
    who = user_id if added.name == user_id else f"{added.name} ({user_id})"
    emit(result, as_json, f"{words[outcome]} {who}, {added.role.value}")


@member.command("set-role")
@click.option("--community", "community_id", required=True)
@click.option("--user", "user_id", required=True, help="The member's platform user id.")
@click.argument("role")
@json_option
@friendly
def member_set_role(community_id: str, user_id: str, role: str, as_json: bool) -> None:
    """Give a member ROLE: owner, admin, leader or member. An explicit role: a platform
    refresh (`member admins`, the roster sync) never changes it. Audited."""
    from datetime import UTC, datetime

    from chalicelib.domain.models import parse_role
    from chalicelib.features.roles import set_member_role
    from chalicelib.store.retention import retention_of
    from rollcall.context import open_store

    wanted = parse_role(role)
    with open_store() as store:
        community = store.get_community(community_id)
        change = set_member_role(
            store,
            community_id,
            user_id.strip(),
            wanted,
            source="cli",
            by="cli",
            now=datetime.now(UTC),
            retention=retention_of(community),
        )
    old = change.old.value if change else wanted.value
    result = {
        "community": community_id,
        "user_id": user_id.strip(),
        "role": wanted.value,
        "old": old,
        "changed": change is not None,
    }
    who = user_id.strip()
    if change is None:
        text = f"{who} is {wanted.value} already"
    elif change.old is change.new:
        text = f"{who} is {wanted.value}, now set explicitly (was from {change.old_source})"
    else:
        text = f"{who} is now {wanted.value} (was {old})"
    emit(result, as_json, text)


@member.command("set-position")
@click.option("--community", "community_id", required=True)
@click.option("--user", "user_id", required=True, help="The member's platform user id.")
@click.argument("position")
@json_option
@friendly
def member_set_position(community_id: str, user_id: str, position: str, as_json: bool) -> None:
    """Appoint a member to a committee POSITION (学习委员, study-officer, ...: the community's
    `positions` setting), or `none` to dismiss them. Audited like role changes."""
    from datetime import UTC, datetime

    from chalicelib.features.positions import UnknownPosition, set_member_position
    from rollcall.context import open_store

    word = None if position.strip().lower() in ("none", "-", "无") else position.strip()
    with open_store() as store:
        found = store.get_community(community_id)
        try:
            change = set_member_position(
                store,
                found,
                user_id.strip(),
                word,
                source="cli",
                by="cli",
                now=datetime.now(UTC),
            )
        except UnknownPosition as error:
            raise Failure(str(error)) from None
        member = store.get_member(community_id, user_id.strip())
    held = member.position if member else None
    result = {
        "community": community_id,
        "user_id": user_id.strip(),
        "position": held,
        "old": change.old if change else held,
        "changed": change is not None,
    }
    who = user_id.strip()
    if change is None:
        text = f"{who} holds {held or 'no position'} already"
    else:
        text = f"{who} now holds {change.new or 'no position'} (was {change.old or 'none'})"
    emit(result, as_json, text)


@member.command("admins")
@click.option("--community", "community_id", required=True)
@click.option("--dry-run", is_flag=True, help="Show what would change; change nothing.")
@json_option
@friendly
def member_admins(community_id: str, dry_run: bool, as_json: bool) -> None:
    """Make the platform's admins of the community's chat rollcall admins, and take the role
    back from those who were admins only through the platform and are no longer. Roles set
    by CSV, `member set-role` or the owner in chat are kept."""
    from datetime import UTC, datetime

    from chalicelib.features.roles import refresh_platform_admins
    from chalicelib.platforms.base import AdminsUnavailable, DeliveryError
    from rollcall.runtime import local_runtime

    with local_runtime(sink=lambda _sent: None) as runtime:
        found = runtime.store.get_community(community_id)
        adapter = runtime.adapter(found.platform)
        if adapter is None:
            raise Failure(f"{found.platform} is not configured here (its settings are unset)")
        try:
            done = refresh_platform_admins(
                runtime.store, adapter, found, datetime.now(UTC), dry_run=dry_run
            )
        except (AdminsUnavailable, DeliveryError) as error:
            raise Failure(str(error)) from None
    verb = "would change" if dry_run else "changed"
    lines = [
        f"{found.platform}: {done.admins} admin(s); {verb} {len(done.changes)} role(s)",
        *(f"  {c.user_id} {c.name}: {c.old.value} -> {c.new.value}" for c in done.changes),
    ]
    if done.kept_explicit:
        lines.append(f"  kept (set explicitly in rollcall): {', '.join(done.kept_explicit)}")
    if done.unknown:
        lines.append(f"  {done.unknown} platform admin(s) not on the roster yet")
    if done.conflicts:
        lines.append(f"  {done.conflicts} changed meanwhile: run it again")
    emit(done.as_dict(), as_json, "\n".join(lines))


@member.command("remove")
@click.option("--community", "community_id", required=True)
@click.argument("user_id", metavar="USER")
@json_option
@friendly
def member_remove(community_id: str, user_id: str, as_json: bool) -> None:
    """Mark USER as having left: no longer reminded or counted. Their history is kept,
    and `member add` brings them back."""
    from rollcall.context import open_store

    with open_store() as store:
        store.get_community(community_id)
        known = store.get_member(community_id, user_id)
        if known is None:
            raise Failure(f"unknown member {user_id!r} in community {community_id}")
        changed = known.is_present and store.mark_member_left(community_id, user_id)
    result = {"community": community_id, "user_id": user_id, "left": True, "changed": changed}
    text = f"{user_id} marked as left (history kept)" if changed else f"{user_id} had left already"
    emit(result, as_json, text)


@member.command("list")
@click.option("--community", "community_id", required=True)
@click.option("--role", help="Only this role: owner, admin, leader or member.")
@click.option("--squad", help="Only this squad.")
@click.option(
    "--status",
    type=click.Choice(["present", "left"]),
    help="present, or left (left or removed). Default: both.",
)
@json_option
@friendly
def member_list(
    community_id: str, role: str | None, squad: str | None, status: str | None, as_json: bool
) -> None:
    """List the members, by user id, filtered by role, squad or status.

    Columns: user id, name, role, squad, status, joined.
    """
    from chalicelib.domain.models import parse_role
    from chalicelib.store.records import to_fields
    from rollcall.runtime import read_store

    wanted_role = parse_role(role) if role is not None else None
    with read_store() as store:
        store.get_community(community_id)
        found = [
            m
            for m in store.list_members(community_id)
            if (wanted_role is None or m.role is wanted_role)
            and (squad is None or m.squad == squad)
            and (status is None or m.is_present == (status == "present"))
        ]
    row = "{:<12} {:<16} {:<7} {:<8} {:<7} {}"
    lines = [
        row.format(
            m.user_id,
            m.name,
            m.role.value,
            m.squad or "-",
            m.status.value,
            m.joined_at.isoformat() if m.joined_at else "-",
        )
        for m in found
    ]
    if lines:  # a header, so that the columns say what they are
        lines.insert(0, row.format("user_id", "name", "role", "squad", "status", "joined"))
    emit([to_fields(m) for m in found], as_json, "\n".join(lines) or "no members")


@member.command("import")
@click.option("--community", "community_id", required=True)
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path))
@json_option
@friendly
def member_import(community_id: str, file: Path, as_json: bool) -> None:
    """Import members from a CSV FILE (- reads standard input).

    Columns: user_id,name,role,squad,joined_at[,username], header row first. Re-importing
    updates members in place: their history is kept. A bad row refuses the whole file.
    An export's extra columns (points, level, position, duty_served) are accepted and
    ignored: a position is given only with `member set-position`, never by a file.
    """
    from datetime import UTC, datetime

    from rollcall import members_csv
    from rollcall.context import open_store

    try:
        # Bytes, decoded as they are: a CR inside a quoted cell stays a CR (read_text would
        # turn it into a line feed); the csv reader takes CRLF, LF or CR line ends itself.
        if str(file) == "-":
            file = Path("<stdin>")
            text = sys.stdin.buffer.read().decode("utf-8")
        else:
            text = file.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise Failure(f"{file}: not UTF-8 text") from None
    try:
        rows = members_csv.parse_rows(text)
    except members_csv.CsvError as error:
        raise Failure(f"{file}: {error}") from None
    with open_store() as store:
        found = store.get_community(community_id)
        # rollcall watches an imported member from the import, whatever joined_at says.
        today = found.calendar.local_date(datetime.now(UTC))
        existing = {m.user_id: m for m in store.list_members(community_id)}
        members = members_csv.merge(community_id, rows, existing)
        created = sum(1 for m in members if m.user_id not in existing)
        show_bar = len(members) >= 500 and not as_json
        with click.progressbar(
            length=len(members), label="importing", file=sys.stderr, hidden=not show_bar
        ) as bar:
            for offset in range(0, len(members), 500):
                chunk = members[offset : offset + 500]
                store.bulk_save_members(chunk, observed_since=today)
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
    """Write the members as CSV, in the format import reads, plus points, level, position
    (committee position) and duty_served (periods served on the duty rota) at the end."""
    from chalicelib.features.points import level_label
    from chalicelib.features.rota import served_by_member
    from chalicelib.store.records import to_fields
    from rollcall import members_csv
    from rollcall.runtime import read_store

    with read_store() as store:
        found = store.get_community(community_id)
        members = list(store.list_members(community_id))
        served = served_by_member(store.table, community_id)  # one Query of the rota history
    if as_json:
        rows = [
            {
                **to_fields(m),
                "level_name": level_label(found, m),
                "duty_served": served[m.user_id].count if m.user_id in served else 0,
            }
            for m in members
        ]
        emit(rows, True)
        return
    text = members_csv.render(
        members, lambda m: level_label(found, m), {uid: s.count for uid, s in served.items()}
    )
    if output:
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {len(members)} members to {output}")
    else:
        click.echo(text, nl=False)


@member.command("forget")
@click.option("--community", "community_id", required=True)
@click.argument("user_id", metavar="USER")
@json_option
@friendly
def member_forget(community_id: str, user_id: str, as_json: bool) -> None:
    """Erase USER's personal data in the community (the right to erasure): their member
    item, check-ins, submissions, reviews given and received, strikes and warnings. Reports,
    removals and digests keep their counts with USER replaced by a neutral label. Cannot be
    undone; resumable: if it stops half-way, run it again."""
    from chalicelib.features.personal_data import forget_member
    from rollcall.context import open_store

    with open_store() as store:
        done = forget_member(store, community_id, user_id)
    emit(done.as_dict(), as_json, done.describe())


@member.command("data")
@click.option("--community", "community_id", required=True)
@click.argument("user_id", metavar="USER")
@json_option
@friendly
def member_data(community_id: str, user_id: str, as_json: bool) -> None:
    """Everything the community keeps about USER (the right of access), by kind: to hand
    over to them. Reads only."""
    from chalicelib.features.personal_data import compose_member_data
    from chalicelib.features.personal_data import member_data as collect
    from rollcall.runtime import read_store

    with read_store() as store:
        found = store.get_community(community_id)
        data = collect(store, community_id, user_id)
    name = str(data["member"][0].get("name") or user_id)
    emit(data, as_json, compose_member_data(found, name, user_id, data).text)


@member.command("sync")
@click.option("--community", "community_id", required=True)
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
@json_option
@friendly
def member_sync(community_id: str, dry_run: bool, as_json: bool) -> None:
    """Read who is in the chat from the platform and bring the roster in line: joins
    (observed from today), leaves, renames; prints the counts and the names.

    Members found at a community's first sync are added quietly; nobody is welcomed from
    here (the daily roster-sync job welcomes later joiners, and is scheduled from the
    first sync on for a community that predates it). On a platform that shows no
    member list (DingTalk, WeCom) it says so in one line and exits 0: nothing is wrong,
    there is nothing to read. A platform that refuses names the missing permission (exit 1).
    """
    from datetime import UTC, datetime

    from chalicelib.features.roster import sync_roster
    from chalicelib.jobs.scheduling import ensure_scheduled
    from chalicelib.platforms.base import DeliveryError
    from rollcall.runtime import local_runtime

    with local_runtime(sink=lambda _sent: None) as runtime:
        found = runtime.store.get_community(community_id)
        adapter = runtime.adapter(found.platform)
        now = datetime.now(UTC)
        try:
            report = sync_roster(runtime.store, found, adapter, now, dry_run=dry_run)
        except DeliveryError as error:
            raise Failure(str(error)) from None
        if not dry_run:
            # A community from before the daily sync existed gets it from here on.
            ensure_scheduled(runtime.store.table, found, now)
    emit(report.as_dict(), as_json, report.describe())


# -- jobs -------------------------------------------------------------------------------


@main.group()
def job() -> None:
    """Run a job by hand, as the scheduler would."""


class _JobChoice(click.Choice):  # type: ignore[type-arg]
    """Every job the registry declares, read when a command line is checked (not when the
    CLI is imported: the registry imports each job module)."""

    def __init__(self) -> None:
        super().__init__(JOBS)

    @property
    def choices(self) -> tuple[str, ...]:
        from chalicelib.jobs.registry import job_names

        return job_names()

    @choices.setter
    def choices(self, _value: object) -> None:
        pass


@job.command("run")
@click.argument("name", type=_JobChoice(), metavar="JOB")
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

    JOB is one of: daily-reminder, weekly-digest, monthly-report, roster-sync,
    monthly-stars, quarterly-stars, rota, sessions, announcements, discord-activity.

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
    # A dry run records nothing: the scheduled run of its period is still to come.
    note = _job_run_note(name, manual, at is not None) if manual or not dry_run else ""
    if note:
        result.summary["note"] = note
    emit(result.as_dict(), as_json, "\n".join(x for x in (result.describe(), note) if x))
    if result.status in ("failed", "busy"):
        raise SystemExit(1)  # what was sent is printed above; the run did not finish


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
    type=click.IntRange(1, 65535),
    help="The port of the running `rollcall serve` (default: the one it announced, else 8000).",
)
@click.argument("text", nargs=-1, required=True)
@json_option
@friendly
def chat(
    community_id: str,
    user_id: str,
    name: str | None,
    port: int | None,
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

    from rollcall import local
    from rollcall.context import open_store
    from rollcall.runtime import console_secret
    from rollcall.serve import NoServer, post_console_message, server_listens

    if port is None:  # the port the running serve announced in serve.json
        port = local.serve_webhook_port(local.state_dir()) or 8000
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
    help="The API's URL or the webhook URL (default: $ROLLCALL_PUBLIC_URL, else a deployed"
    " stage's HTTP API, as `rollcall infra url` prints it).",
)
@click.option(
    "--locale",
    type=click.Choice(["zh-CN", "en"]),
    help="The guide's language  [default: from LC_ALL / LANG: zh* is zh-CN, else en]",
)
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
    name: str, url: str | None, locale: str | None, stage: str | None, apply_: bool, as_json: bool
) -> None:
    """Print what an operator does to connect a PLATFORM chat: the webhook URL, the settings
    (shown as set or not, never their values), what to enable on the platform, how to bind
    the group. --apply performs the steps the platform has an API for."""
    import os

    from chalicelib.config import Settings
    from chalicelib.platforms.base import DeliveryError
    from rollcall import platform_setup as setup

    locale = locale or setup.default_locale()
    if apply_ and name not in setup.APPLICABLE:
        raise Failure(
            f"--apply: {name} has no API for this; do the steps by hand (run without --apply)"
        )
    settings = Settings.from_env({**os.environ, **({"ROLLCALL_STAGE": stage} if stage else {})})
    if url is None and not os.environ.get(setup.PUBLIC_URL_ENV) and settings.stage != "local":
        url = _deployed_http_api_url(settings)  # what `rollcall infra url` prints
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


def _deployed_http_api_url(settings: Any) -> str | None:
    """A deployed stage's webhook base URL: its HTTP API, or None where it has none yet."""
    import boto3

    from rollcall.infra import Stage, http_api_url

    try:
        target = Stage.load(settings.stage)
    except ValueError:  # a stage .chalice/config.json does not know
        return None
    return http_api_url(boto3.client("apigatewayv2", region_name=settings.region), target)


def _setting_value(settings: Any, name: str) -> str:
    if name == "ROLLCALL_CONSOLE_SECRET":
        return str(settings.console_secret)
    return str(settings.secret(name))


def _setup_text(data: dict[str, Any], locale: str) -> str:
    """The guide as text: the URL first (what the operator pastes), then settings, steps,
    and the lists to copy from."""
    from rollcall.platform_setup import fill

    zh = locale == "zh-CN"
    words = {
        "url": "Webhook URL",
        "placeholder": "（占位符：用 --url 或 ROLLCALL_PUBLIC_URL 给出 API 地址，"
        "`rollcall infra url --stage <stage>` 会打印它）"
        if zh
        else "(a placeholder: give the API URL with --url or ROLLCALL_PUBLIC_URL; "
        "`rollcall infra url --stage <stage>` prints it)",
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

    lines = [data["title"], "", f"{words['url']}: {data['webhook_url']}"]
    if not data["webhook_url_known"]:
        lines.append(fill(words["placeholder"], 100, "  "))
    lines += ["", words["settings"]]
    width = max(len(s["name"]) for s in data["settings"])
    for s in data["settings"]:
        status = f"{words['set']} ({s['value']})" if s["set"] else words["unset"]
        need = words["required"] if s["required"] else words["optional"]
        lines.append(f"  {s['name']:<{width}}  {need}{'，' if zh else ', '}{status}")
        indent = " " * (width + 4)
        lines.append(fill(s["purpose"], 100, indent))
    lines += ["", words["steps"]]
    for number, step in enumerate(data["steps"], 1):
        prefix = f"  {number}. "
        lines.append(fill(step, 100, " " * len(prefix), prefix))
    for key in ("scopes", "events", "commands"):
        if data.get(key):
            lines += ["", words[key], *(f"  {item}" for item in data[key])]
    if data["apply"]:
        lines += ["", fill(data["apply"], 100)]
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
    candidate_rule (the rule that makes the member a removal candidate), cohort (the cohort
    that ran during the month, empty when none).
    """
    from datetime import UTC, datetime

    from chalicelib.clock import parse_instant
    from chalicelib.features.reports import (
        build_monthly_report,
        compose_report,
        parse_month,
        report_cohort,
        report_csv,
        report_dict,
    )
    from chalicelib.store.reports import load_report
    from rollcall.runtime import read_store

    if as_csv and as_json:
        raise click.UsageError("give either --csv or --json, not both")
    month = parse_month(month)
    now = parse_instant(at) if at else datetime.now(UTC)
    with read_store() as store:
        found = store.get_community(community_id)
        built = load_report(store.table, community_id, month)
        stored = built is not None
        if built is None:
            built = build_monthly_report(store, found, month, now)
    cohort = report_cohort(found, month)
    if as_csv:
        click.echo(report_csv(built.rows, cohort), nl=False)
        return
    note = "" if stored else "\n(preview: not stored; the monthly-report job stores and sends it)"
    text = compose_report(found, built.summary).text + note
    emit(report_dict(built, stored=stored, cohort=cohort), as_json, text)


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
@click.option(
    "--ack-limited-activity",
    "ack_limited",
    help="on or off: accept that on DingTalk and WeCom activity is only commands and @-bot "
    "messages (inactive_days rules need it there).",
)
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
    ack_limited: str | None = None,
) -> None:
    """Show or change the community's inactivity rules, tiers and report settings.

    Rules, e.g. [{"id": "hw-missed", "kind": "missed_cycles", "warn": 2, "remove": 3},
    {"id": "silent", "kind": "inactive_days", "warn": 30, "remove": 45}]; rules that make
    no sense are refused with the reason, and nothing is changed.
    """
    from chalicelib.domain.inactivity import Thresholds, parse_rules, rules_of
    from chalicelib.domain.settings import check_settings
    from rollcall.context import open_store

    changes: dict[str, Any] = {}
    if rules_text is not None and defaults:
        raise click.UsageError("give either --set or --defaults, not both")
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
    for name, value in (
        ("removal_enabled", removal),
        ("report_to_group", to_group),
        ("ack_limited_activity", ack_limited),
    ):
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
        # A chatter-based rule where the bot sees no chatter needs the acknowledgement
        # (domain/visibility.py), as `community update` and chat's /settings refuse it.
        check_settings(updated, changed=changes)
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
    # Where the monthly job sends it (features/reports.report_target), in the same order.
    if updated.admin_chat_id:
        target = f"admin chat {updated.admin_chat_id}"
    elif updated.report_to_group:
        target = "the group"
    else:
        target = (
            "each owner and admin by direct message (where the platform cannot, the group "
            "hears only that the report is ready)"
        )
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


@report.command("removals")
@click.option("--community", "community_id", required=True)
@json_option
@friendly
def report_removals(community_id: str, as_json: bool) -> None:
    """Who was removed, under which rule, confirmed by whom, when (oldest first)."""
    from chalicelib.features.personal_data import describe_removals, removals
    from rollcall.runtime import read_store

    with read_store() as store:
        rows = removals(store, community_id)
    emit(rows, as_json, describe_removals(community_id, rows))


@report.command("makeups")
@click.option("--community", "community_id", required=True)
@click.option("--month", help="Only make-ups of this month's days, YYYY-MM.")
@json_option
@friendly
def report_makeups(community_id: str, month: str | None, as_json: bool) -> None:
    """Make-ups (check-ins recorded for a past day) and who recorded them, by date."""
    from chalicelib.features.personal_data import describe_makeups, makeups
    from rollcall.runtime import read_store

    with read_store() as store:
        rows = makeups(store, community_id, month)
    emit(rows, as_json, describe_makeups(community_id, month, rows))


@report.command("roles")
@click.option("--community", "community_id", required=True)
@json_option
@friendly
def report_roles(community_id: str, as_json: bool) -> None:
    """Role and committee position changes: whose, from what to what, by whom, when."""
    from chalicelib.features.personal_data import describe_role_audit, role_audit
    from rollcall.runtime import read_store

    with read_store() as store:
        rows = role_audit(store, community_id)
    emit(rows, as_json, describe_role_audit(community_id, rows))


@main.group()
def manage() -> None:
    """The organiser's web pages (/manage/...): sign-in links."""


@manage.command("link")
@click.option("--community", "community_id", required=True)
@click.option("--user", "user_id", required=True, help="An owner or admin of the community.")
@click.option(
    "--base-url",
    default=None,
    help="Where the stage's API is reached (default: $ROLLCALL_PUBLIC_URL, locally the "
    "running `rollcall serve`).",
)
@json_option
@friendly
def manage_link(community_id: str, user_id: str, base_url: str | None, as_json: bool) -> None:
    """A single-use sign-in link to a community's pages, valid 15 minutes, for an owner or
    admin: for platforms where the bot cannot send it by direct message. Give it to them
    privately, never in a group."""
    from datetime import UTC, datetime

    from chalicelib.config import Settings
    from chalicelib.features.manage import NotAnAdmin, issue_link, signin_url
    from chalicelib.store.manage import LINK_LIFETIME
    from rollcall import local
    from rollcall.context import open_store, stage

    base = base_url or Settings.from_env().public_url
    if not base and stage() == "local":
        port = local.serve_webhook_port(local.state_dir())
        base = f"http://127.0.0.1:{port}" if port else ""
    if not base:
        raise Failure(
            "no base URL: give --base-url (the stage's API URL), set ROLLCALL_PUBLIC_URL, "
            "or start `rollcall serve` first"
        )
    now = datetime.now(UTC)
    with open_store() as store:
        found = store.get_community(community_id)
        try:
            token = issue_link(store, found, store.get_member(community_id, user_id), now)
        except NotAnAdmin:
            raise Failure(
                f"{user_id} is not an owner or admin of {community_id}: only they can sign in"
            ) from None
    url = signin_url(base, community_id, token)
    expires = (now + LINK_LIFETIME).isoformat(timespec="seconds")
    emit({"url": url, "expires_at": expires}, as_json, f"{url}\n(works once, until {expires})")


@main.group()
def goal() -> None:
    """The shared monthly goal (本月目标): set, show its board, turn off."""


def _goal_month(found: Any, month: str | None, now: Any) -> str:
    import re

    from chalicelib.features.goals import goal_month

    if month is None:
        return goal_month(found, now)
    if re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
        return month
    raise Failure(f"--month {month!r}: give a month like 2026-12")


@goal.command("set")
@click.option("--community", "community_id", required=True)
@click.argument("text")
@json_option
@friendly
def goal_set(community_id: str, text: str, as_json: bool) -> None:
    """Set this month's goal (the community's local month) from TEXT: a title, a number and
    a unit, e.g. '读完《原则》 300页' or '"Principles" 300 pages'. Replaces the month's goal;
    progress already reported stays."""
    import dataclasses
    from datetime import UTC, datetime

    from chalicelib.domain.goals import Goal, parse_goal
    from chalicelib.features.goals import goal_month, goal_refusal, set_goal
    from rollcall.context import open_store

    now = datetime.now(UTC)
    with open_store() as store:
        found = store.get_community(community_id)
        refused = goal_refusal(dataclasses.replace(found, locale="en"), text)
        if refused is not None:
            raise Failure(refused.replace("/goal", "rollcall goal set --community ID"))
        reply = set_goal(store.table, found, text, "cli", now)
    parsed = parse_goal(text)
    assert isinstance(parsed, Goal)
    month = goal_month(found, now)
    data = {
        "community": community_id,
        "month": month,
        "title": parsed.title,
        "target": parsed.target,
        "unit": parsed.unit,
    }
    emit(data, as_json, reply)


@goal.command("show")
@click.option("--community", "community_id", required=True)
@click.option("--month", help="A month like 2026-12 (default: this month, local time).")
@json_option
@friendly
def goal_show(community_id: str, month: str | None, as_json: bool) -> None:
    """The month's goal and its board: who finished, who leads, the community's total."""
    from datetime import UTC, datetime

    from chalicelib.features.goals import compose_board, month_board
    from rollcall.runtime import read_store

    with read_store() as store:
        found = store.get_community(community_id)
        chosen = _goal_month(found, month, datetime.now(UTC))
        board = month_board(store.table, found, chosen, list(store.list_members(community_id)))
    if board is None:
        emit(
            {"community": community_id, "month": chosen, "goal": None},
            as_json,
            f"no goal in {chosen} for {community_id}",
        )
        return
    b = board.board
    data = {
        "community": community_id,
        "month": chosen,
        "goal": {"title": board.goal.title, "target": board.goal.target, "unit": board.goal.unit},
        "finished": [{"user_id": uid, "name": board.name(uid)} for uid in b.finished],
        "leaders": [
            {"user_id": uid, "name": board.name(uid), "progress": value} for uid, value in b.leaders
        ],
        "reporting": b.reporting,
        "total": b.total,
        "possible": b.possible,
    }
    emit(data, as_json, compose_board(found, board))


@goal.command("clear")
@click.option("--community", "community_id", required=True)
@json_option
@friendly
def goal_clear(community_id: str, as_json: bool) -> None:
    """Turn this month's goal off (progress already reported is kept)."""
    from datetime import UTC, datetime

    from chalicelib.features.goals import goal_month, turn_off_goal
    from rollcall.context import open_store

    now = datetime.now(UTC)
    with open_store() as store:
        found = store.get_community(community_id)
        month = goal_month(found, now)
        if not turn_off_goal(store.table, found, "cli", now):
            raise Failure(f"no goal in {month} for {community_id}: nothing to turn off")
    emit(
        {"community": community_id, "month": month, "cleared": True},
        as_json,
        f"goal of {month} turned off for {community_id}",
    )


# -- the duty rota ---------------------------------------------------------------------


@main.group()
def rota() -> None:
    """The duty rota (值月生 / 值周生): turn it on, see who is on duty, the history."""


def _rota_dict(found: Any) -> dict[str, Any]:
    return {
        "community": found.id,
        "period": found.rota_period,
        "duties": found.rota_duties,
        "nudge": found.rota_nudge,
        "skip_periods": found.rota_skip_periods,
    }


@rota.command("set")
@click.option("--community", "community_id", required=True)
@click.option("--period", type=click.Choice(("week", "month", "off")), help="off: no rota.")
@click.option("--duties", help="What the member on duty does, sent to them privately.")
@click.option("--nudge/--no-nudge", default=None, help="A daily private nudge to them.")
@click.option(
    "--skip-periods",
    type=int,
    help="Periods a member who served sits out (0-12; default 2).",
)
@json_option
@friendly
def rota_set(
    community_id: str,
    period: str | None,
    duties: str | None,
    nudge: bool | None,
    skip_periods: int | None,
    as_json: bool,
) -> None:
    """Turn the rota on (a period), change its duties text or nudge, or turn it off.
    The turn-over runs at 09:00 local on each Monday (week) or 1st (month)."""
    from datetime import UTC, datetime

    from chalicelib.features.communities import change_settings
    from chalicelib.features.rota import rota_changes
    from rollcall.context import open_store

    with open_store() as store:
        current = store.get_community(community_id)
        changes = rota_changes(
            current, period=period, duties=duties, nudge=nudge, skip_periods=skip_periods
        )
        if not changes:
            raise click.UsageError("nothing to change: give at least one option")
        updated = change_settings(
            store, current, {}, by="cli", now=datetime.now(UTC), also=changes
        ).community
    data = _rota_dict(updated)
    text = f"rota: {data['period'] or 'off'}, nudge {'on' if data['nudge'] else 'off'}, " + (
        f"skip {data['skip_periods']} periods"
    )
    emit(data, as_json, text)


@rota.command("show")
@click.option("--community", "community_id", required=True)
@click.option("--at", "at", help="As of this instant (ISO-8601 with offset; default now).")
@json_option
@friendly
def rota_show(community_id: str, at: str | None, as_json: bool) -> None:
    """Who is on duty now and who the rule would pick next."""
    from datetime import UTC, datetime

    from chalicelib.clock import parse_instant
    from chalicelib.features.rota import show_rota
    from rollcall.runtime import read_store

    now = parse_instant(at) if at else datetime.now(UTC)
    with read_store() as store:
        found = store.get_community(community_id)
        members = list(store.list_members(community_id)) if found.rota_period else []
        text = show_rota(store.table, found, members, now)
    emit({**_rota_dict(found), "text": text}, as_json, text)


@rota.command("history")
@click.option("--community", "community_id", required=True)
@json_option
@friendly
def rota_history(community_id: str, as_json: bool) -> None:
    """Who served each period (kept for the retention period), oldest first."""
    from chalicelib.features.rota import history
    from rollcall.runtime import read_store

    with read_store() as store:
        store.get_community(community_id)
        rows = [
            {
                "period": d.period,
                "user_id": d.user_id,
                "name": d.name,
                "volunteer": d.volunteer,
                "swapped_from": d.swapped_from,
            }
            for d in history(store.table, community_id)
        ]
    lines = [
        f"{r['period']}  {r['name']} ({r['user_id']})"
        + (" volunteer" if r["volunteer"] else "")
        + (f" swapped from {r['swapped_from']}" if r["swapped_from"] else "")
        for r in rows
    ]
    emit(rows, as_json, "\n".join(lines) or "no duty served yet")


# -- recurring sessions (分享会) ------------------------------------------------------------


@main.group()
def session() -> None:
    """Recurring sessions (分享会): define, list, cancel one instance, remove."""


@session.command("add")
@click.option("--community", "community_id", required=True)
@click.option("--id", "session_id", required=True, help="A short id, e.g. friday.")
@click.option("--title", default="", help="The default topic, e.g. 周五分享会.")
@click.option("--weekday", required=True, help="mon..sun.")
@click.option("--at", "at", required=True, help="Local start time, HH:MM.")
@click.option("--every", default=None, help="Every N weeks (with --anchor).")
@click.option("--anchor", default=None, help="The date of one session (every N weeks).")
@click.option("--nth", default=None, help="The Nth weekday of each month (-1: the last).")
@click.option("--duration", default=60, show_default=True, help="Minutes.")
@click.option("--talk", default=None, help="Minutes of talk before questions.")
@click.option("--announce-days", default=3, show_default=True)
@click.option("--speaker-deadline-days", default=2, show_default=True)
@click.option(
    "--speaker-rota",
    is_flag=True,
    help="At the speaker deadline, pick a speaker (the one signed up, else the least "
    "recently spoke) instead of alerting the admins.",
)
@click.option("--now", "at_instant", default=None, help="As of this instant (ISO-8601).")
@json_option
@friendly
def session_add(
    community_id: str, session_id: str, at_instant: str | None, as_json: bool, **values: Any
) -> None:
    """Define a recurring session; its phases are scheduled at once."""
    from datetime import UTC, datetime

    from chalicelib.clock import parse_instant
    from chalicelib.features import sessions
    from rollcall.context import open_store

    now = parse_instant(at_instant) if at_instant else datetime.now(UTC)
    with open_store() as store:
        found = store.get_community(community_id)
        definition = sessions.add_session(store, found, {"id": session_id, **values}, now)
    from chalicelib.domain.sessions import describe as describe_session

    emit(
        {"community": community_id, "session": definition.id, "definition": definition.to_json()},
        as_json,
        f"added {describe_session(definition)}",
    )


@session.command("list")
@click.option("--community", "community_id", required=True)
@click.option("--now", "at_instant", default=None, help="As of this instant (ISO-8601).")
@json_option
@friendly
def session_list(community_id: str, at_instant: str | None, as_json: bool) -> None:
    """The sessions and their coming instances (speaker, confirmed, cancelled)."""
    from datetime import UTC, datetime

    from chalicelib.clock import parse_instant
    from chalicelib.domain.sessions import describe as describe_session
    from chalicelib.features import sessions
    from rollcall.context import open_store

    now = parse_instant(at_instant) if at_instant else datetime.now(UTC)
    with open_store() as store:
        found = store.get_community(community_id)
        defs = sessions.definitions(found)
        coming = sessions.upcoming(store.table, found, now, limit=8)
    data = {
        "sessions": [describe_session(d) for d in defs],
        "upcoming": [c.as_dict() for c in coming],
    }
    lines = [describe_session(d) for d in defs] or ["no sessions"]
    for c in coming:
        who = c.instance.speaker or "-"
        state = (
            "cancelled" if c.instance.cancelled else ("confirmed" if c.instance.confirmed else "")
        )
        lines.append(f"  {c.day.isoformat()} {c.definition.id} speaker {who} {state}".rstrip())
    emit(data, as_json, "\n".join(lines))


@session.command("cancel")
@click.option("--community", "community_id", required=True)
@click.argument("day")
@click.option("--now", "at_instant", default=None, help="As of this instant (ISO-8601).")
@json_option
@friendly
def session_cancel(community_id: str, day: str, at_instant: str | None, as_json: bool) -> None:
    """Cancel the session on DAY (2026-12-11); the group is told once, at its next phase."""
    from datetime import UTC, datetime

    from chalicelib.clock import parse_instant
    from chalicelib.features import sessions
    from rollcall.context import open_store

    now = parse_instant(at_instant) if at_instant else datetime.now(UTC)
    with open_store() as store:
        found = store.get_community(community_id)
        definition, when = sessions.resolve_date(found, day, now)
        done = sessions.cancel_instance(store.table, found, definition, when, "cli", now)
    if not done:
        raise Failure(f"the session on {when.isoformat()} is already cancelled")
    emit(
        {"community": community_id, "session": definition.id, "date": when.isoformat()},
        as_json,
        f"cancelled {definition.id} on {when.isoformat()}",
    )


@session.command("remove")
@click.option("--community", "community_id", required=True)
@click.argument("session_id")
@json_option
@friendly
def session_remove(community_id: str, session_id: str, as_json: bool) -> None:
    """Remove the session SESSION_ID: its coming phases are not posted; past instances stay."""
    from chalicelib.domain.sessions import describe as describe_session
    from chalicelib.features import sessions
    from rollcall.context import open_store

    with open_store() as store:
        found = store.get_community(community_id)
        definition = sessions.remove_session(store, found, session_id)
    emit(
        {"community": community_id, "session": definition.id, "removed": True},
        as_json,
        f"removed {describe_session(definition)}",
    )


# -- announcements and cohorts (features/announcements.py) -----------------------------------


def _refused_line(error: Exception) -> Failure:
    """A refusal's message key as the one English line the CLI shows."""
    from chalicelib.domain.messages import t

    return Failure(t("en", error.key, **error.values))  # type: ignore[attr-defined]


def _as_of(at: str | None) -> Any:
    from datetime import UTC, datetime

    from chalicelib.clock import parse_instant

    return parse_instant(at) if at else datetime.now(UTC)


@contextlib.contextmanager
def _scheduled_posts_of(community_id: str) -> Iterator[tuple[Any, Any]]:
    """The store and the community an announcement or cohort command works on; the
    feature's refusal (``Refused``) comes out as its one English line."""
    from chalicelib.features import announcements as feature
    from rollcall.context import open_store

    with open_store() as store:
        found = store.get_community(community_id)
        try:
            yield store, found
        except feature.Refused as error:
            raise _refused_line(error) from None


def _cancel_scheduled(community_id: str, what: str, entry_id: str, as_json: bool) -> None:
    """Cancel an announcement or a cohort (``what``) for good, or say there is none."""
    from datetime import UTC, datetime

    from chalicelib.features import announcements as feature

    cancel = {"announcement": feature.cancel_announcement, "cohort": feature.cancel_cohort}[what]
    with _scheduled_posts_of(community_id) as (store, found):
        if not cancel(store, found, entry_id, datetime.now(UTC)):
            raise Failure(f"no {what} {entry_id} in {community_id}")
    emit({"cancelled": entry_id}, as_json, f"{entry_id}: cancelled")


@main.group()
def announce() -> None:
    """Announcements (群公告): schedule, list, cancel."""


@announce.command("add")
@click.option("--community", "community_id", required=True)
@click.option(
    "--when",
    required=True,
    help='"2026-12-08 09:00", "weekly mon 09:00", "daily 09:00", "monthly 1 09:00", '
    'optionally followed by "until 2027-01-31" (local time of the community).',
)
@click.argument("text", nargs=-1, required=True)
@click.option("--at", "at", help="As of this instant (ISO-8601; default now).")
@json_option
@friendly
def announce_add(
    community_id: str, when: str, text: tuple[str, ...], at: str | None, as_json: bool
) -> None:
    """Schedule an announcement, posted (and pinned where the platform allows) at its
    local time."""
    from chalicelib.domain.announcements import describe
    from chalicelib.features import announcements as feature

    now = _as_of(at)
    with _scheduled_posts_of(community_id) as (store, found):
        entry, first = feature.add_announcement(
            store, found, f"{when} {' '.join(text)}", "cli", now
        )
        local = first.astimezone(found.calendar.tz).strftime("%Y-%m-%d %H:%M")
    data = {**entry, "first_post": first.isoformat()}
    emit(data, as_json, f"{entry['id']}: {describe(entry, 'en')}, first posted {local}")


@announce.command("list")
@click.option("--community", "community_id", required=True)
@click.option("--at", "at", help="As of this instant (ISO-8601; default now).")
@json_option
@friendly
def announce_list(community_id: str, at: str | None, as_json: bool) -> None:
    """The live announcements (one-offs stay listed for 7 days after they post)."""
    from chalicelib.domain.announcements import describe
    from chalicelib.features import announcements as feature

    now = _as_of(at)
    with _scheduled_posts_of(community_id) as (_store, found):
        entries = feature.live_announcements(found, now)
    lines = [f"{e['id']}  {describe(e, 'en')}  {e['preview']}" for e in entries]
    emit(entries, as_json, "\n".join(lines) or "no announcements")


@announce.command("cancel")
@click.option("--community", "community_id", required=True)
@click.argument("announcement_id", metavar="ID")
@json_option
@friendly
def announce_cancel(community_id: str, announcement_id: str, as_json: bool) -> None:
    """Cancel an announcement for good: it is never posted again."""
    _cancel_scheduled(community_id, "announcement", announcement_id, as_json)


@main.group()
def cohort() -> None:
    """Cohorts (期): opened and closed with a ceremony in the group."""


@cohort.command("add")
@click.option("--community", "community_id", required=True)
@click.option("--name", required=True, help="e.g. 第3期")
@click.option("--start", required=True, help="First day, YYYY-MM-DD (local).")
@click.option("--end", required=True, help="Last day, YYYY-MM-DD (local).")
@click.option("--theme", help="The cohort's theme, shown at its opening.")
@click.option("--at", "at", help="As of this instant (ISO-8601; default now).")
@json_option
@friendly
def cohort_add(
    community_id: str,
    name: str,
    start: str,
    end: str,
    theme: str | None,
    at: str | None,
    as_json: bool,
) -> None:
    """Add a cohort: its opening ceremony is posted at 09:00 on its first day, its closing
    (stars, levels, thanks) at 09:00 the day after its last."""
    from chalicelib.features import announcements as feature

    try:
        first, last = date.fromisoformat(start), date.fromisoformat(end)
    except ValueError:
        raise Failure(f"dates must be YYYY-MM-DD, got {start!r} and {end!r}") from None
    now = _as_of(at)
    with _scheduled_posts_of(community_id) as (store, found):
        entry = feature.add_cohort(store, found, name, first, last, now, theme=theme)
    emit(entry, as_json, f"{entry['id']}: {entry['name']} {entry['start']} – {entry['end']}")


@cohort.command("list")
@click.option("--community", "community_id", required=True)
@json_option
@friendly
def cohort_list(community_id: str, as_json: bool) -> None:
    """The community's cohorts."""
    from chalicelib.features import announcements as feature

    with _scheduled_posts_of(community_id) as (_store, found):
        lines = feature.cohort_lines(found)
    emit(list(found.cohorts), as_json, "\n".join(lines) or "no cohorts")


@cohort.command("cancel")
@click.option("--community", "community_id", required=True)
@click.argument("cohort_id", metavar="ID")
@json_option
@friendly
def cohort_cancel(community_id: str, cohort_id: str, as_json: bool) -> None:
    """Remove a cohort: its ceremonies not yet posted never are."""
    _cancel_scheduled(community_id, "cohort", cohort_id, as_json)


if __name__ == "__main__":  # pragma: no cover
    main()
